#pragma once
// Pieces every resource's wire form shares: the envelope out, location and tags in.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/json_reader.h"
#include "domain/resource.h"

namespace gallery::api {

// {"id","name","type","location","tags","properties":{"provisioningState"}}.
nlohmann::json Envelope(const domain::TrackedResource& meta, const char* type);

// Reads top-level "location" and "tags".
Status ReadEnvelope(const JsonReader& body, std::optional<std::string>* location,
                    std::optional<domain::Tags>* tags);

// Reads an optional enum field with a domain parser.
template <typename E, typename Parser>
Result<std::optional<E>> ReadEnum(const JsonReader& reader, std::string_view key, Parser parse) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> text, reader.String(key));
  if (!text.has_value()) {
    return std::optional<E>();
  }
  GALLERY_ASSIGN_OR_RETURN(E value, parse(*text, reader.PathOf(key)));
  return std::optional<E>(value);
}

}  // namespace gallery::api
