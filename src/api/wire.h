#pragma once
// The ARM wire format: domain objects to the JSON clients read, and request bodies to the
// domain's input types. Output is a superset that every supported api-version's clients
// accept (unknown keys are ignored by ARM clients); input accepts each api-version's shape
// (a version's source as 2018-06-01 `publishingProfile.source.managedImage.id` or later
// `storageProfile.source.id`). Read-only fields that clients echo back on update
// (provisioningState, uniqueName, publishedDate, replicationStatus, disk sizes) are ignored.
// Parse errors are InvalidArgument (reason InvalidRequestContent) naming the field.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "domain/directory.h"
#include "domain/disk.h"
#include "domain/export_grant.h"
#include "domain/gallery.h"
#include "domain/gallery_image.h"
#include "domain/gallery_image_version.h"
#include "domain/managed_image.h"
#include "domain/operation.h"
#include "domain/quota.h"
#include "domain/region_catalog.h"
#include "domain/replication_status.h"
#include "domain/resource_group.h"
#include "domain/resource_group_rules.h"

namespace gallery::api {

// What running replication jobs know of a version's region (bytes, rate), for
// $expand=ReplicationStatus; nullopt when nothing is copying there.
using LiveReplicationOf = std::function<std::optional<domain::LiveReplication>(
    const ResourceId& version, const std::string& region)>;

struct WireOptions {
  std::string api_version;
  bool expand_replication_status = false;
  const domain::RegionCatalog* regions = nullptr;  // display names of regions
  const LiveReplicationOf* live_replication = nullptr;  // may be null or empty
};

// True when `api_version` (YYYY-MM-DD[-preview]) is older than `than`.
bool ApiVersionBefore(std::string_view api_version, std::string_view than);

nlohmann::json ToWire(const domain::Subscription& subscription);
// A region as `GET /subscriptions/{s}/locations` lists it.
nlohmann::json ToWire(const domain::Subscription& subscription, const domain::Region& region);
nlohmann::json ToWire(const domain::Tenant& tenant);
nlohmann::json ToWire(const domain::ResourceGroup& group);
nlohmann::json ToWire(const domain::Gallery& gallery);
nlohmann::json ToWire(const domain::GalleryImage& image);
nlohmann::json ToWire(const domain::GalleryImageVersion& version, const WireOptions& options);
nlohmann::json ToWire(const domain::ManagedImage& image);
// sku.name, properties.{osType, hyperVGeneration, creationData, diskSizeGB, diskSizeBytes,
// uniqueId, timeCreated, provisioningState, diskState}.
nlohmann::json ToWire(const domain::Disk& disk);
nlohmann::json ToWire(const domain::QuotaUsage& usage);
// The Azure-AsyncOperation status body: {"name","status","startTime","endTime","error"}.
nlohmann::json OperationStatusToWire(const domain::Operation& operation);

Result<domain::ResourceGroupInput> ResourceGroupFromWire(const nlohmann::json& body);
Result<domain::GalleryInput> GalleryFromWire(const nlohmann::json& body);
Result<domain::GalleryImageInput> GalleryImageFromWire(const nlohmann::json& body);
Result<domain::GalleryImageVersionInput> GalleryImageVersionFromWire(const nlohmann::json& body,
                                                                     std::string_view api_version);
Result<domain::ManagedImageInput> ManagedImageFromWire(const nlohmann::json& body);
Result<domain::DiskInput> DiskFromWire(const nlohmann::json& body);
// A beginGetAccess body: {"access": "Read"|"Write", "durationInSeconds": N}.
Result<domain::DiskAccessInput> DiskAccessFromWire(const nlohmann::json& body);
// An endGetAccess body (disks, images, versions): empty or {} ends every grant of the resource
// (az disk revoke-access); {"grantId": id} (a Gallery extension) ends only the grant whose URL
// has si=id, so a reader does not end other readers' access. InvalidArgument (InvalidParameter,
// target grantId) when grantId is not a non-empty string; BadRequest for a body that is not a
// JSON object.
Result<std::optional<std::string>> EndAccessFromWire(std::string_view body);
// An image's or version's beginGetAccess body: the disk's, plus an optional "lun" (a data
// disk; the OS disk without it).
Result<domain::ExportAccessInput> ExportAccessFromWire(const nlohmann::json& body);

}  // namespace gallery::api
