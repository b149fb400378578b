#include "api/wire.h"
#include "api/wire_envelope.h"
#include "domain/disk_rules.h"

namespace gallery::api {

nlohmann::json ToWire(const domain::Disk& disk) {
  nlohmann::json out = Envelope(disk.meta, domain::Disk::kType);
  out["sku"] = {{"name", disk.sku_name},
                {"tier", disk.sku_name.substr(0, disk.sku_name.find('_'))}};
  nlohmann::json& props = out["properties"];
  for (const auto& [k, v] : disk.extra.items()) {
    props[k] = v;
  }
  if (disk.os_type.has_value()) {
    props["osType"] = domain::ToString(*disk.os_type);
  }
  if (disk.hyper_v_generation.has_value()) {
    props["hyperVGeneration"] = domain::ToString(*disk.hyper_v_generation);
  }
  props["creationData"] = {{"createOption", disk.create_option},
                           {"uploadSizeBytes", disk.upload_size_bytes}};
  props["diskSizeGB"] = domain::DiskSizeGb(disk);
  props["diskSizeBytes"] = disk.disk_size_bytes;
  props["uniqueId"] = disk.unique_id;
  props["timeCreated"] = FormatTimestamp(disk.time_created);
  props["diskState"] = domain::ToString(disk.state);
  return out;
}

Result<domain::DiskInput> DiskFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "disk");
  domain::DiskInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(JsonReader(body, ""), &in.location, &in.tags));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> sku, reader.Object("sku"));
  if (sku.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(in.sku_name, sku->String("name"));
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (!props.has_value()) {
    return in;
  }
  GALLERY_ASSIGN_OR_RETURN(in.os_type,
                           ReadEnum<domain::OsType>(*props, "osType", domain::ParseOsType));
  GALLERY_ASSIGN_OR_RETURN(in.hyper_v_generation,
                           ReadEnum<domain::HyperVGeneration>(*props, "hyperVGeneration",
                                                              domain::ParseHyperVGeneration));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> creation, props->Object("creationData"));
  if (creation.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(in.create_option, creation->String("createOption"));
    GALLERY_ASSIGN_OR_RETURN(in.upload_size_bytes, creation->Int64("uploadSizeBytes"));
  }
  // Read-only fields clients echo back are not kept.
  in.extra =
      props->Rest({"osType", "hyperVGeneration", "creationData", "diskSizeGB", "diskSizeBytes",
                   "uniqueId", "timeCreated", "provisioningState", "diskState"});
  return in;
}

Result<domain::DiskAccessInput> DiskAccessFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "grantAccessData");
  domain::DiskAccessInput in;
  GALLERY_ASSIGN_OR_RETURN(
      in.access, ReadEnum<domain::DiskAccessLevel>(reader, "access", domain::ParseDiskAccessLevel));
  GALLERY_ASSIGN_OR_RETURN(in.duration_seconds, reader.Int64("durationInSeconds"));
  return in;
}

Result<std::optional<std::string>> EndAccessFromWire(std::string_view body) {
  if (body.empty()) {
    return std::optional<std::string>();
  }
  GALLERY_ASSIGN_OR_RETURN(nlohmann::json json, JsonReader::Parse(body));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> grant_id,
                           JsonReader(json, "").String("grantId"));
  if (grant_id.has_value() && grant_id->empty()) {
    return Status::InvalidArgument(
               "The value '' of grantId is not valid: it must be the si of the access URL whose "
               "grant is to end; omit it to end every grant.",
               "grantId")
        .WithReason("InvalidParameter");
  }
  return grant_id;
}

}  // namespace gallery::api
