#include "metadata/resource_codec.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base64.h"
#include "common/resource_id.h"
#include "common/semver.h"
#include "domain/disk_rules.h"
#include "domain/enums.h"

namespace gallery::metadata {

namespace {

using nlohmann::json;

// ---------------------------------------------------------------- encoding

template <typename T>
void PutOptional(json& out, const char* key, const std::optional<T>& value) {
  if (value.has_value()) {
    out[key] = *value;
  }
}

template <typename E>
void PutOptionalEnum(json& out, const char* key, const std::optional<E>& value) {
  if (value.has_value()) {
    out[key] = std::string(domain::ToString(*value));
  }
}

json EncodeTags(const domain::Tags& tags) {
  json out = json::object();
  for (const auto& [name, value] : tags) {
    out[name] = value;
  }
  return out;
}

json EncodeRange(const domain::ResourceRange& range) {
  json out = json::object();
  PutOptional(out, "min", range.min);
  PutOptional(out, "max", range.max);
  return out;
}

// A disk's data, when it has some: written only then, so documents of images and versions made
// without data keep their former shape.
void PutData(json& out, const std::string& manifest_id, int64_t size_bytes,
             const std::string& vhd_footer) {
  if (!manifest_id.empty()) {
    out["manifest_id"] = manifest_id;
    out["size_bytes"] = size_bytes;
  }
  if (!vhd_footer.empty()) {
    out["vhd_footer"] = Base64UrlEncode(vhd_footer);  // binary
  }
}

json EncodeDiskImage(const domain::DiskImage& disk) {
  json out = json::object();
  PutOptional(out, "lun", disk.lun);
  out["size_in_gb"] = disk.size_in_gb;
  out["host_caching"] = std::string(domain::ToString(disk.host_caching));
  PutData(out, disk.manifest_id, disk.size_bytes, disk.vhd_footer);
  return out;
}

json EncodeImageDisk(const domain::ImageDisk& disk) {
  json out = json::object();
  PutOptional(out, "lun", disk.lun);
  out["blob_uri"] = disk.blob_uri;
  out["managed_disk_id"] = disk.managed_disk_id;
  out["snapshot_id"] = disk.snapshot_id;
  PutOptionalEnum(out, "caching", disk.caching);
  PutOptional(out, "disk_size_gb", disk.disk_size_gb);
  out["storage_account_type"] = disk.storage_account_type;
  out["extra"] = disk.extra;
  PutData(out, disk.manifest_id, disk.size_bytes, disk.vhd_footer);
  return out;
}

json EncodeTargetRegion(const domain::TargetRegion& region) {
  json out = json::object();
  out["name"] = region.name;
  PutOptional(out, "regional_replica_count", region.regional_replica_count);
  out["storage_account_type"] = region.storage_account_type;
  PutOptional(out, "exclude_from_latest", region.exclude_from_latest);
  out["extra"] = region.extra;
  return out;
}

json EncodeReplica(const domain::Replica& replica) {
  json out = json::object();
  out["region"] = replica.region;
  out["index"] = replica.index;
  out["store"] = replica.store;
  out["state"] = std::string(domain::ToString(replica.state));
  out["manifests"] = replica.manifests;
  out["details"] = replica.details;
  out["attempts"] = replica.attempts;
  out["retry_at"] = replica.retry_at;
  return out;
}

template <typename T, typename F>
json EncodeArray(const std::vector<T>& items, F encode) {
  json out = json::array();
  for (const T& item : items) {
    out.push_back(encode(item));
  }
  return out;
}

json Properties(const domain::ResourceGroup&) { return json::object(); }

json Properties(const domain::Gallery& g) {
  json p = json::object();
  p["description"] = g.description;
  p["unique_name"] = g.unique_name;
  p["extra"] = g.extra;
  return p;
}

json Properties(const domain::GalleryImage& image) {
  json p = json::object();
  p["description"] = image.description;
  p["os_type"] = std::string(domain::ToString(image.os_type));
  p["os_state"] = std::string(domain::ToString(image.os_state));
  p["hyper_v_generation"] = std::string(domain::ToString(image.hyper_v_generation));
  PutOptionalEnum(p, "architecture", image.architecture);
  p["identifier"] = {{"publisher", image.identifier.publisher},
                     {"offer", image.identifier.offer},
                     {"sku", image.identifier.sku}};
  PutOptional(p, "end_of_life", image.end_of_life);
  p["recommended_vcpus"] = EncodeRange(image.recommended_vcpus);
  p["recommended_memory"] = EncodeRange(image.recommended_memory);
  p["extra"] = image.extra;
  return p;
}

json Properties(const domain::GalleryImageVersion& version) {
  json p = json::object();
  p["version"] = version.version.ToString();
  p["target_regions"] = EncodeArray(version.target_regions, EncodeTargetRegion);
  p["replica_count"] = version.replica_count;
  p["exclude_from_latest"] = version.exclude_from_latest;
  PutOptional(p, "end_of_life", version.end_of_life);
  p["published_date"] = version.published_date;
  p["storage_account_type"] = version.storage_account_type;
  p["replication_mode"] = version.replication_mode;
  p["source_id"] = version.source_id;
  p["os_disk_image"] = EncodeDiskImage(version.os_disk_image);
  p["data_disk_images"] = EncodeArray(version.data_disk_images, EncodeDiskImage);
  p["replicas"] = EncodeArray(version.replicas, EncodeReplica);
  p["extra_publishing"] = version.extra_publishing;
  p["extra"] = version.extra;
  return p;
}

json Properties(const domain::ManagedImage& image) {
  json p = json::object();
  p["os_type"] = std::string(domain::ToString(image.os_type));
  p["os_state"] = std::string(domain::ToString(image.os_state));
  p["hyper_v_generation"] = std::string(domain::ToString(image.hyper_v_generation));
  p["os_disk"] = EncodeImageDisk(image.os_disk);
  p["data_disks"] = EncodeArray(image.data_disks, EncodeImageDisk);
  p["zone_resilient"] = image.zone_resilient;
  p["source_virtual_machine_id"] = image.source_virtual_machine_id;
  p["extra"] = image.extra;
  return p;
}

json Properties(const domain::Disk& disk) {
  json p = json::object();
  p["sku_name"] = disk.sku_name;
  PutOptionalEnum(p, "os_type", disk.os_type);
  PutOptionalEnum(p, "hyper_v_generation", disk.hyper_v_generation);
  p["create_option"] = disk.create_option;
  p["upload_size_bytes"] = disk.upload_size_bytes;
  p["disk_size_bytes"] = disk.disk_size_bytes;
  p["state"] = std::string(domain::ToString(disk.state));
  p["unique_id"] = disk.unique_id;
  p["time_created"] = disk.time_created;
  json grants = json::array();
  for (const domain::DiskAccessGrant& grant : disk.grants) {
    grants.push_back({{"id", grant.id},
                      {"level", std::string(domain::ToString(grant.level))},
                      {"expires_at", grant.expires_at}});
  }
  p["grants"] = std::move(grants);
  p["manifest_id"] = disk.manifest_id;
  p["vhd_footer"] = Base64UrlEncode(disk.vhd_footer);  // binary
  p["extra"] = disk.extra;
  return p;
}

template <typename T>
json Encode(const T& resource) {
  const domain::TrackedResource& meta = resource.meta;
  json doc = json::object();
  doc["v"] = kResourceFormatVersion;
  doc["id"] = meta.id.ToString();
  doc["location"] = meta.location;
  doc["tags"] = EncodeTags(meta.tags);
  doc["provisioning_state"] = std::string(domain::ToString(meta.provisioning_state));
  doc["operation_id"] = meta.operation_id;
  doc["created_at"] = meta.created_at;
  doc["updated_at"] = meta.updated_at;
  doc["properties"] = Properties(resource);
  return doc;
}

// ---------------------------------------------------------------- decoding

template <typename E>
using EnumParser = Result<E> (*)(std::string_view text, std::string_view field);

// Reads the fields of one stored JSON object without throwing. The first problem is recorded in
// a slot shared by a reader and its children, and every later read returns a default, so a
// decoder reads all fields in a row and checks the slot once at the end. Paths for messages
// ("properties.target_regions[1].name") are only built on failure: this runs on every read.
class Reader {
 public:
  Reader(const json* object, std::string* error) : object_(object), error_(error) {}

  bool ok() const { return error_->empty(); }

  // Whether `key` is present and not null.
  bool Has(const char* key) const { return FindSet(key) != nullptr; }

  std::string String(const char* key) {
    const json* v = Require(key);
    if (v == nullptr) {
      return {};
    }
    if (!v->is_string()) {
      Fail(key, "is not a string");
      return {};
    }
    return v->get_ref<const std::string&>();
  }

  int64_t Int64(const char* key) {
    const json* v = Require(key);
    return v == nullptr ? 0 : ToInt64(key, *v);
  }

  int32_t Int32(const char* key) {
    const json* v = Require(key);
    return v == nullptr ? 0 : ToInt32(key, *v);
  }

  bool Bool(const char* key) {
    const json* v = Require(key);
    return v == nullptr ? false : ToBool(key, *v);
  }

  std::optional<int64_t> OptionalInt64(const char* key) {
    const json* v = FindSet(key);
    return v == nullptr ? std::nullopt : std::optional<int64_t>(ToInt64(key, *v));
  }

  std::optional<int32_t> OptionalInt32(const char* key) {
    const json* v = FindSet(key);
    return v == nullptr ? std::nullopt : std::optional<int32_t>(ToInt32(key, *v));
  }

  std::optional<bool> OptionalBool(const char* key) {
    const json* v = FindSet(key);
    return v == nullptr ? std::nullopt : std::optional<bool>(ToBool(key, *v));
  }

  // Any JSON value, null included, kept as it is (the uninterpreted `extra` properties).
  json Value(const char* key) {
    const json* v = Find(key);
    if (v == nullptr) {
      Fail(key, "is missing");
      return json::object();
    }
    return *v;
  }

  template <typename E>
  E Enum(const char* key, EnumParser<E> parse) {
    const json* v = Require(key);
    return v == nullptr ? E{} : ToEnum(key, *v, parse);
  }

  template <typename E>
  std::optional<E> OptionalEnum(const char* key, EnumParser<E> parse) {
    const json* v = FindSet(key);
    return v == nullptr ? std::nullopt : std::optional<E>(ToEnum(key, *v, parse));
  }

  // The bytes of the base64url string `key`; empty when it is absent.
  std::string OptionalBinary(const char* key) {
    const json* v = FindSet(key);
    if (v == nullptr) {
      return {};
    }
    if (!v->is_string()) {
      Fail(key, "is not a string");
      return {};
    }
    std::optional<std::string> bytes = Base64UrlDecode(v->get_ref<const std::string&>());
    if (!bytes.has_value()) {
      Fail(key, "is not base64url");
      return {};
    }
    return std::move(*bytes);
  }

  // The nested object `key`; a reader of nothing when it is missing or not an object.
  // The child refers to this reader for its path, so it must not outlive it.
  Reader Object(const char* key) {
    const json* v = Require(key);
    if (v != nullptr && !v->is_object()) {
      Fail(key, "is not an object");
      v = nullptr;
    }
    return Reader(v, error_, this, key, -1);
  }

  // Calls read(Reader&) for each element of the array of objects `key`; returns the results.
  // An array of strings.
  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    const json* v = Require(key);
    if (v != nullptr && !v->is_array()) {
      Fail(key, "is not an array");
      return out;
    }
    for (size_t i = 0; v != nullptr && i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        Fail(key, "is not an array of strings");
        return {};
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return out;
  }

  template <typename T, typename F>
  std::vector<T> Array(const char* key, F read) {
    std::vector<T> out;
    const json* v = Require(key);
    if (v == nullptr) {
      return out;
    }
    if (!v->is_array()) {
      Fail(key, "is not an array");
      return out;
    }
    out.reserve(v->size());
    for (size_t i = 0; i < v->size() && ok(); ++i) {
      const json& element = (*v)[i];
      Reader child(element.is_object() ? &element : nullptr, error_, this, key,
                   static_cast<int64_t>(i));
      if (!element.is_object()) {
        *error_ = "field '" + child.Path() + "' is not an object";
        break;
      }
      out.push_back(read(child));
    }
    return out;
  }

  // Tags: an object whose values are strings.
  domain::Tags StringMap(const char* key) {
    domain::Tags out;
    const json* v = Require(key);
    if (v == nullptr) {
      return out;
    }
    if (!v->is_object()) {
      Fail(key, "is not an object");
      return out;
    }
    for (const auto& [name, value] : v->items()) {
      if (!value.is_string()) {
        Fail(key, "has a value that is not a string");
        return out;
      }
      out.emplace(name, value.get_ref<const std::string&>());
    }
    return out;
  }

 private:
  Reader(const json* object, std::string* error, const Reader* parent, const char* name,
         int64_t index)
      : object_(object), error_(error), parent_(parent), name_(name), index_(index) {}

  // This object's path from the document root: "" for the root.
  std::string Path() const {
    if (parent_ == nullptr) {
      return "";
    }
    std::string path = parent_->Path();
    path += path.empty() ? "" : ".";
    path += name_;
    if (index_ >= 0) {
      path += "[" + std::to_string(index_) + "]";
    }
    return path;
  }

  void Fail(const char* key, std::string_view what) {
    if (ok()) {
      std::string path = Path();
      *error_ = "field '" + path + (path.empty() ? "" : ".") + key + "' " + std::string(what);
    }
  }

  // The value of `key` (null included), or nullptr when it is absent or an earlier read failed.
  const json* Find(const char* key) const {
    if (object_ == nullptr || !ok()) {
      return nullptr;
    }
    auto it = object_->find(key);
    return it == object_->end() ? nullptr : &*it;
  }

  // As Find(), but an explicit null counts as absent (how optional fields may be written).
  const json* FindSet(const char* key) const {
    const json* v = Find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  const json* Require(const char* key) {
    const json* v = FindSet(key);
    if (v == nullptr && object_ != nullptr) {
      Fail(key, "is missing");
    }
    return v;
  }

  int64_t ToInt64(const char* key, const json& v) {
    if (v.is_number_unsigned()) {
      uint64_t u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return static_cast<int64_t>(u);
      }
    } else if (v.is_number_integer()) {
      return v.get<int64_t>();
    }
    Fail(key, "is not a 64-bit integer");
    return 0;
  }

  int32_t ToInt32(const char* key, const json& v) {
    int64_t wide = ToInt64(key, v);
    if (wide < std::numeric_limits<int32_t>::min() || wide > std::numeric_limits<int32_t>::max()) {
      Fail(key, "is not a 32-bit integer");
      return 0;
    }
    return static_cast<int32_t>(wide);
  }

  bool ToBool(const char* key, const json& v) {
    if (!v.is_boolean()) {
      Fail(key, "is not a boolean");
      return false;
    }
    return v.get<bool>();
  }

  template <typename E>
  E ToEnum(const char* key, const json& v, EnumParser<E> parse) {
    if (!v.is_string()) {
      Fail(key, "is not a string");
      return E{};
    }
    const std::string& text = v.get_ref<const std::string&>();
    Result<E> parsed = parse(text, key);
    if (!parsed.ok()) {
      Fail(key, "has an unknown value '" + text + "'");
      return E{};
    }
    return *parsed;
  }

  const json* object_;  // nullptr: reads nothing (a missing parent, already reported)
  std::string* error_;
  const Reader* parent_ = nullptr;  // for Path(); null for the document root
  const char* name_ = "";
  int64_t index_ = -1;  // the element's index when this reads an array element
};

domain::ResourceRange ReadRange(Reader&& r) {
  domain::ResourceRange range;
  range.min = r.OptionalInt32("min");
  range.max = r.OptionalInt32("max");
  return range;
}

domain::DiskImage ReadDiskImage(Reader& r) {
  domain::DiskImage disk;
  disk.lun = r.OptionalInt32("lun");
  disk.size_in_gb = r.Int32("size_in_gb");
  disk.host_caching = r.Enum("host_caching", &domain::ParseHostCaching);
  if (r.Has("manifest_id")) {
    disk.manifest_id = r.String("manifest_id");
    disk.size_bytes = r.Int64("size_bytes");
  }
  disk.vhd_footer = r.OptionalBinary("vhd_footer");
  return disk;
}

domain::ImageDisk ReadImageDisk(Reader& r) {
  domain::ImageDisk disk;
  disk.lun = r.OptionalInt32("lun");
  disk.blob_uri = r.String("blob_uri");
  disk.managed_disk_id = r.String("managed_disk_id");
  disk.snapshot_id = r.String("snapshot_id");
  disk.caching = r.OptionalEnum("caching", &domain::ParseHostCaching);
  disk.disk_size_gb = r.OptionalInt32("disk_size_gb");
  disk.storage_account_type = r.String("storage_account_type");
  disk.extra = r.Value("extra");
  if (r.Has("manifest_id")) {
    disk.manifest_id = r.String("manifest_id");
    disk.size_bytes = r.Int64("size_bytes");
  }
  disk.vhd_footer = r.OptionalBinary("vhd_footer");
  return disk;
}

domain::TargetRegion ReadTargetRegion(Reader& r) {
  domain::TargetRegion region;
  region.name = r.String("name");
  region.regional_replica_count = r.OptionalInt32("regional_replica_count");
  region.storage_account_type = r.String("storage_account_type");
  region.exclude_from_latest = r.OptionalBool("exclude_from_latest");
  region.extra = r.Value("extra");
  return region;
}

domain::Replica ReadReplica(Reader& r) {
  domain::Replica replica;
  replica.region = r.String("region");
  replica.index = r.Int32("index");
  replica.store = r.String("store");
  replica.state = r.Enum("state", &domain::ParseReplicationState);
  replica.manifests = r.Strings("manifests");
  replica.details = r.String("details");
  replica.attempts = r.Int32("attempts");
  replica.retry_at = r.Int64("retry_at");
  return replica;
}

void ReadProperties(Reader&, domain::ResourceGroup*) {}

void ReadProperties(Reader& p, domain::Gallery* g) {
  g->description = p.String("description");
  g->unique_name = p.String("unique_name");
  g->extra = p.Value("extra");
}

void ReadProperties(Reader& p, domain::GalleryImage* image) {
  image->description = p.String("description");
  image->os_type = p.Enum("os_type", &domain::ParseOsType);
  image->os_state = p.Enum("os_state", &domain::ParseOsState);
  image->hyper_v_generation = p.Enum("hyper_v_generation", &domain::ParseHyperVGeneration);
  image->architecture = p.OptionalEnum("architecture", &domain::ParseArchitecture);
  Reader identifier = p.Object("identifier");
  image->identifier.publisher = identifier.String("publisher");
  image->identifier.offer = identifier.String("offer");
  image->identifier.sku = identifier.String("sku");
  image->end_of_life = p.OptionalInt64("end_of_life");
  image->recommended_vcpus = ReadRange(p.Object("recommended_vcpus"));
  image->recommended_memory = ReadRange(p.Object("recommended_memory"));
  image->extra = p.Value("extra");
}

// A version name that does not parse is reported through `error`, the reader's shared slot.
void ReadProperties(Reader& p, domain::GalleryImageVersion* version, std::string* error) {
  std::string text = p.String("version");
  if (p.ok()) {
    Result<SemVer> parsed = SemVer::Parse(text);
    if (parsed.ok()) {
      version->version = *parsed;
    } else {
      *error = "field 'properties.version' is not a version: '" + text + "'";
    }
  }
  version->target_regions = p.Array<domain::TargetRegion>("target_regions", ReadTargetRegion);
  version->replica_count = p.Int32("replica_count");
  version->exclude_from_latest = p.Bool("exclude_from_latest");
  version->end_of_life = p.OptionalInt64("end_of_life");
  version->published_date = p.Int64("published_date");
  version->storage_account_type = p.String("storage_account_type");
  version->replication_mode = p.String("replication_mode");
  version->source_id = p.String("source_id");
  Reader os_disk = p.Object("os_disk_image");
  version->os_disk_image = ReadDiskImage(os_disk);
  version->data_disk_images = p.Array<domain::DiskImage>("data_disk_images", ReadDiskImage);
  // Documents written before replicas existed have none; the reconciler plans them.
  if (p.Has("replicas")) {
    version->replicas = p.Array<domain::Replica>("replicas", ReadReplica);
  }
  version->extra_publishing = p.Value("extra_publishing");
  version->extra = p.Value("extra");
}

void ReadProperties(Reader& p, domain::ManagedImage* image) {
  image->os_type = p.Enum("os_type", &domain::ParseOsType);
  image->os_state = p.Enum("os_state", &domain::ParseOsState);
  image->hyper_v_generation = p.Enum("hyper_v_generation", &domain::ParseHyperVGeneration);
  Reader os_disk = p.Object("os_disk");
  image->os_disk = ReadImageDisk(os_disk);
  image->data_disks = p.Array<domain::ImageDisk>("data_disks", ReadImageDisk);
  image->zone_resilient = p.Bool("zone_resilient");
  image->source_virtual_machine_id = p.String("source_virtual_machine_id");
  image->extra = p.Value("extra");
}

void ReadProperties(Reader& p, domain::Disk* disk) {
  disk->sku_name = p.String("sku_name");
  disk->os_type = p.OptionalEnum("os_type", &domain::ParseOsType);
  disk->hyper_v_generation = p.OptionalEnum("hyper_v_generation", &domain::ParseHyperVGeneration);
  disk->create_option = p.String("create_option");
  disk->upload_size_bytes = p.Int64("upload_size_bytes");
  disk->disk_size_bytes = p.Int64("disk_size_bytes");
  disk->state = p.Enum("state", &domain::ParseDiskState);
  disk->unique_id = p.String("unique_id");
  disk->time_created = p.Int64("time_created");
  auto read_grant = [](Reader& grant) {
    return domain::DiskAccessGrant{grant.String("id"),
                                   grant.Enum("level", &domain::ParseDiskAccessLevel),
                                   grant.Int64("expires_at")};
  };
  if (p.Has("grants")) {
    disk->grants = p.Array<domain::DiskAccessGrant>("grants", read_grant);
  } else if (p.Has("grant")) {
    // Written before disks held several grants: the one grant.
    Reader grant = p.Object("grant");
    disk->grants = {read_grant(grant)};
  }
  disk->manifest_id = p.String("manifest_id");
  disk->vhd_footer = p.OptionalBinary("vhd_footer");
  disk->extra = p.Value("extra");
}

Status Corrupt(std::string_view id, std::string_view why) {
  return Status::Internal("stored resource '" + std::string(id) +
                          "' is corrupt: " + std::string(why));
}

template <typename T>
Result<Resource> DecodeAs(const json& doc, ResourceId id) {
  const std::string id_text = id.ToString();
  std::string error;
  Reader r(&doc, &error);
  T resource;
  domain::TrackedResource& meta = resource.meta;
  meta.id = std::move(id);
  meta.location = r.String("location");
  meta.tags = r.StringMap("tags");
  meta.provisioning_state = r.Enum("provisioning_state", &domain::ParseProvisioningState);
  meta.operation_id = r.String("operation_id");
  meta.created_at = r.Int64("created_at");
  meta.updated_at = r.Int64("updated_at");
  Reader properties = r.Object("properties");
  if constexpr (std::is_same_v<T, domain::GalleryImageVersion>) {
    ReadProperties(properties, &resource, &error);
  } else {
    ReadProperties(properties, &resource);
  }
  if (!error.empty()) {
    return Corrupt(id_text, error);
  }
  return Resource(std::move(resource));
}

using Decoder = Result<Resource> (*)(const json& doc, ResourceId id);

struct TypeEntry {
  const char* type;
  Decoder decode;
};

constexpr TypeEntry kTypes[] = {
    {domain::ResourceGroup::kType, &DecodeAs<domain::ResourceGroup>},
    {domain::Gallery::kType, &DecodeAs<domain::Gallery>},
    {domain::GalleryImage::kType, &DecodeAs<domain::GalleryImage>},
    {domain::GalleryImageVersion::kType, &DecodeAs<domain::GalleryImageVersion>},
    {domain::ManagedImage::kType, &DecodeAs<domain::ManagedImage>},
    {domain::Disk::kType, &DecodeAs<domain::Disk>},
};

}  // namespace

nlohmann::json EncodeResource(const Resource& resource) {
  return std::visit([](const auto& r) { return Encode(r); }, resource);
}

Result<Resource> DecodeResource(std::string_view type, const nlohmann::json& doc) {
  if (!doc.is_object()) {
    return Corrupt("<unknown>", "the document is not a JSON object");
  }
  auto id_field = doc.find("id");
  if (id_field == doc.end() || !id_field->is_string()) {
    return Corrupt("<unknown>", "field 'id' is missing or not a string");
  }
  const std::string& id_text = id_field->get_ref<const std::string&>();
  auto version = doc.find("v");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kResourceFormatVersion) {
    return Corrupt(id_text, "field 'v' (storage format version) is missing or not " +
                                std::to_string(kResourceFormatVersion));
  }
  Result<ResourceId> id = ResourceId::Parse(id_text);
  if (!id.ok()) {
    return Corrupt(id_text, "field 'id' is not a resource id");
  }
  if (!EqualsIgnoreCase(id->Type(), type)) {
    return Corrupt(id_text, "the id is not of type '" + std::string(type) + "'");
  }
  for (const TypeEntry& entry : kTypes) {
    if (EqualsIgnoreCase(entry.type, type)) {
      return entry.decode(doc, std::move(id).value());
    }
  }
  return Corrupt(id_text, "'" + std::string(type) + "' is not a stored resource type");
}

}  // namespace gallery::metadata
