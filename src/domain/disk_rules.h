#pragma once
// Rules for managed disks: name; a region versions may be replicated to; createOption Upload
// only, with an uploadSizeBytes of n MiB + 512 (the VHD footer), 20 MiB <= n MiB <= 32 TiB;
// only tags change after creation; which access grants each state allows.

#include <string>

#include "domain/disk.h"
#include "domain/rule_context.h"

namespace gallery::domain {

inline constexpr int64_t kVhdFooterBytes = 512;
inline constexpr int64_t kMiB = int64_t{1} << 20;
inline constexpr int64_t kMinUploadDiskBytes = 20 * kMiB;
// The largest disk a seal accepts (storage::kMaxDiskImageSize, 4 TiB, as Azure's OS disks):
// refused when the disk is created, not after hours of upload.
inline constexpr int64_t kMaxUploadDiskBytes = int64_t{4} << 40;
inline constexpr int64_t kDefaultAccessSeconds = 3600;
inline constexpr int64_t kMaxAccessSeconds = 24 * 3600;

// A new disk from a PUT body, in ReadyToUpload, Succeeded, with `unique_id`. InvalidArgument
// (InvalidParameter) for a bad name, sku, createOption or uploadSizeBytes; the region errors
// of RegionCatalog::ResolveReplicationRegion.
Result<Disk> NewDisk(const ResourceId& id, const DiskInput& in, const std::string& unique_id,
                     const RuleContext& ctx);
// An update: only tags change (PUT replaces them, PATCH merges); any other field present in
// `in` that differs from the disk is PropertyChangeNotAllowed.
Result<Disk> UpdateDisk(const Disk& current, const DiskInput& in, UpdateMode mode,
                        const RuleContext& ctx);

// When a grant of `duration_seconds` (default 3600) given at `now` expires, in whole seconds.
// InvalidArgument (InvalidParameter, target grantAccessData.durationInSeconds) outside
// 1..86400.
Result<TimestampMs> AccessExpiry(std::optional<int64_t> duration_seconds, TimestampMs now);

// The grant a beginGetAccess asks for, checked against the disk's state: Write only from
// ReadyToUpload or ActiveUpload, Read only from Unattached or ActiveSAS (FailedPrecondition,
// reason "OperationNotAllowed", naming the state); duration 1..86400 s (default 3600;
// InvalidArgument InvalidParameter otherwise). Returns the disk in its new state (ActiveUpload
// or ActiveSAS) holding a grant with `grant_id` that expires at ctx.now + duration: a Write
// grant replaces the disk's grants; a Read grant joins the Read grants not expired at ctx.now.
Result<Disk> GrantAccess(const Disk& current, const DiskAccessInput& in,
                         const std::string& grant_id, const RuleContext& ctx);

// An endGetAccess: without `grant_id` every grant ends (az disk revoke-access); with one, only
// that grant (nothing when the disk has none with that id) and the Read grants expired at
// `now`. Returns true when no grant remains; the caller decides what that means for the state
// (a seal of ActiveUpload, Unattached for ActiveSAS).
bool RevokeGrants(Disk& disk, const std::optional<std::string>& grant_id, TimestampMs now);

// Whether a delete is allowed: FailedPrecondition (reason "OperationNotAllowed") while a grant
// is active (ActiveUpload, ActiveSAS).
Status CheckDiskDeletable(const Disk& disk);

// The disk's size in whole GiB, rounded up (ARM's diskSizeGB).
int64_t DiskSizeGb(const Disk& disk);

}  // namespace gallery::domain
