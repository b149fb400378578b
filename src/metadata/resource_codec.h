#pragma once
// The storage form of resources: how a Resource is written into, and read back from, the body
// column of the metadata store.
//
// This format is the metadata store's own, not the ARM wire format: it never changes with an
// api-version, and every domain field is kept (including the uninterpreted `extra` objects).
// A document looks like
//
//   {"v": 1, "id": "/subscriptions/.../galleries/gal1", "location": "eastus",
//    "tags": {"team": "a"}, "provisioning_state": "Succeeded", "operation_id": "",
//    "created_at": 1700000000000, "updated_at": 1700000000000,
//    "properties": {"description": "...", "unique_name": "...", "extra": {}}}
//
// with the type-specific fields under "properties", named like the domain struct members.
// Enums are stored by their ToString() names, SemVer as "M.m.p", ResourceIds as text (re-parsed
// on read), timestamps as int64 milliseconds since the epoch. An optional field that is
// std::nullopt is absent. Readers of a future format bump "v" and keep decoding older values.
//
//   nlohmann::json doc = EncodeResource(gallery);
//   GALLERY_ASSIGN_OR_RETURN(Resource back, DecodeResource(TypeOf(gallery), doc));
//
// Pure functions; thread-safe.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"
#include "metadata/metadata_store.h"

namespace gallery::metadata {

// The "v" written by EncodeResource.
inline constexpr int64_t kResourceFormatVersion = 1;

// Returns the storage document of `resource`. Never fails; the result holds only what the
// resource holds (so dumping it fails only if a string in it is not valid UTF-8).
nlohmann::json EncodeResource(const Resource& resource);

// Reads a document written by EncodeResource for a resource of ARM type `type` (any casing,
// e.g. "microsoft.compute/galleries"). Returns Internal naming the resource id (or "<unknown>"
// when the document has none) when the type is not a resource type, the format version is not
// one this build reads, the id does not parse or is not of `type`, or a field is missing or of
// the wrong kind. Unknown fields are ignored.
Result<Resource> DecodeResource(std::string_view type, const nlohmann::json& doc);

}  // namespace gallery::metadata
