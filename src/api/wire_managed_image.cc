#include "api/wire.h"
#include "api/wire_envelope.h"

namespace gallery::api {

namespace {

nlohmann::json DiskToWire(const domain::ImageDisk& disk) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [k, v] : disk.extra.items()) {
    out[k] = v;
  }
  if (disk.lun.has_value()) {
    out["lun"] = *disk.lun;
  }
  if (!disk.blob_uri.empty()) {
    out["blobUri"] = disk.blob_uri;
  }
  if (!disk.managed_disk_id.empty()) {
    out["managedDisk"] = {{"id", disk.managed_disk_id}};
  }
  if (!disk.snapshot_id.empty()) {
    out["snapshot"] = {{"id", disk.snapshot_id}};
  }
  if (disk.caching.has_value()) {
    out["caching"] = domain::ToString(*disk.caching);
  }
  if (disk.disk_size_gb.has_value()) {
    out["diskSizeGB"] = *disk.disk_size_gb;
  }
  if (!disk.storage_account_type.empty()) {
    out["storageAccountType"] = disk.storage_account_type;
  }
  return out;
}

Result<std::string> IdOf(const JsonReader& disk, std::string_view key) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> ref, disk.Object(key));
  if (!ref.has_value()) {
    return std::string();
  }
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> id, ref->String("id"));
  return id.value_or("");
}

Result<domain::ImageDisk> DiskFromWire(const JsonReader& r) {
  domain::ImageDisk disk;
  GALLERY_ASSIGN_OR_RETURN(disk.lun, r.Int32("lun"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> blob, r.String("blobUri"));
  disk.blob_uri = blob.value_or("");
  GALLERY_ASSIGN_OR_RETURN(disk.managed_disk_id, IdOf(r, "managedDisk"));
  GALLERY_ASSIGN_OR_RETURN(disk.snapshot_id, IdOf(r, "snapshot"));
  GALLERY_ASSIGN_OR_RETURN(disk.caching,
                           ReadEnum<domain::HostCaching>(r, "caching", domain::ParseHostCaching));
  GALLERY_ASSIGN_OR_RETURN(disk.disk_size_gb, r.Int32("diskSizeGB"));
  GALLERY_ASSIGN_OR_RETURN(std::optional<std::string> type, r.String("storageAccountType"));
  disk.storage_account_type = type.value_or("");
  disk.extra = r.Rest({"lun", "blobUri", "managedDisk", "snapshot", "caching", "diskSizeGB",
                       "storageAccountType", "osType", "osState"});
  return disk;
}

}  // namespace

nlohmann::json ToWire(const domain::ManagedImage& image) {
  nlohmann::json out = Envelope(image.meta, domain::ManagedImage::kType);
  nlohmann::json& props = out["properties"];
  for (const auto& [k, v] : image.extra.items()) {
    props[k] = v;
  }
  nlohmann::json os_disk = DiskToWire(image.os_disk);
  os_disk["osType"] = domain::ToString(image.os_type);
  os_disk["osState"] = domain::ToString(image.os_state);
  nlohmann::json data = nlohmann::json::array();
  for (const domain::ImageDisk& d : image.data_disks) {
    data.push_back(DiskToWire(d));
  }
  props["storageProfile"] = {{"osDisk", std::move(os_disk)},
                             {"dataDisks", std::move(data)},
                             {"zoneResilient", image.zone_resilient}};
  props["hyperVGeneration"] = domain::ToString(image.hyper_v_generation);
  return out;
}

Result<domain::ManagedImageInput> ManagedImageFromWire(const nlohmann::json& body) {
  JsonReader reader(body, "image");
  domain::ManagedImageInput in;
  GALLERY_RETURN_IF_ERROR(ReadEnvelope(JsonReader(body, ""), &in.location, &in.tags));
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> props, reader.Object("properties"));
  if (!props.has_value()) {
    return in;
  }
  GALLERY_ASSIGN_OR_RETURN(in.hyper_v_generation,
                           ReadEnum<domain::HyperVGeneration>(*props, "hyperVGeneration",
                                                              domain::ParseHyperVGeneration));
  GALLERY_ASSIGN_OR_RETURN(std::string vm, IdOf(*props, "sourceVirtualMachine"));
  in.source_virtual_machine_id = vm;
  GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> storage, props->Object("storageProfile"));
  if (storage.has_value()) {
    GALLERY_ASSIGN_OR_RETURN(std::optional<JsonReader> os_disk, storage->Object("osDisk"));
    if (os_disk.has_value()) {
      GALLERY_ASSIGN_OR_RETURN(in.os_type,
                               ReadEnum<domain::OsType>(*os_disk, "osType", domain::ParseOsType));
      GALLERY_ASSIGN_OR_RETURN(in.os_state, ReadEnum<domain::OsState>(*os_disk, "osState",
                                                                      domain::ParseOsState));
      GALLERY_ASSIGN_OR_RETURN(domain::ImageDisk disk, DiskFromWire(*os_disk));
      in.os_disk = disk;
    }
    GALLERY_ASSIGN_OR_RETURN(std::optional<std::vector<JsonReader>> data,
                             storage->ObjectArray("dataDisks"));
    if (data.has_value()) {
      for (const JsonReader& d : *data) {
        GALLERY_ASSIGN_OR_RETURN(domain::ImageDisk disk, DiskFromWire(d));
        in.data_disks.push_back(std::move(disk));
      }
    }
    GALLERY_ASSIGN_OR_RETURN(in.zone_resilient, storage->Bool("zoneResilient"));
  }
  in.extra = props->Rest({"hyperVGeneration", "sourceVirtualMachine", "storageProfile",
                          "provisioningState"});
  return in;
}

}  // namespace gallery::api
