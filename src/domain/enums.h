#pragma once
// The closed vocabularies of the resource model, with case-insensitive parsing (the Azure CLI
// sends some enum values lower-cased) and their canonical spelling for output.

#include <string>
#include <string_view>

#include "common/result.h"

namespace gallery::domain {

enum class OsType { kWindows, kLinux };
enum class OsState { kGeneralized, kSpecialized };
enum class HyperVGeneration { kV1, kV2 };
enum class Architecture { kX64, kArm64 };
enum class HostCaching { kNone, kReadOnly, kReadWrite };
// provisioningState of every resource; Deleting is visible while a delete runs.
enum class ProvisioningState { kCreating, kUpdating, kSucceeded, kFailed, kDeleting };
// Replication state of one region (or replica) of a version: ARM's ReplicationState, and
// Queued for work not started yet (a region waiting for a worker, or for its retry).
enum class ReplicationState { kUnknown, kQueued, kReplicating, kCompleted, kFailed };

std::string_view ToString(OsType v);
std::string_view ToString(OsState v);
std::string_view ToString(HyperVGeneration v);
std::string_view ToString(Architecture v);
std::string_view ToString(HostCaching v);
std::string_view ToString(ProvisioningState v);
std::string_view ToString(ReplicationState v);

// Each parser accepts any casing; on an unknown value returns InvalidArgument (reason
// "InvalidParameter") whose message names `field`, the value and the allowed values.
Result<OsType> ParseOsType(std::string_view text, std::string_view field);
Result<OsState> ParseOsState(std::string_view text, std::string_view field);
Result<HyperVGeneration> ParseHyperVGeneration(std::string_view text, std::string_view field);
Result<Architecture> ParseArchitecture(std::string_view text, std::string_view field);
Result<HostCaching> ParseHostCaching(std::string_view text, std::string_view field);
Result<ProvisioningState> ParseProvisioningState(std::string_view text, std::string_view field);
Result<ReplicationState> ParseReplicationState(std::string_view text, std::string_view field);

// Storage account types a version or target region may name (canonical spelling returned).
Result<std::string> ParseStorageAccountType(std::string_view text, std::string_view field);

}  // namespace gallery::domain
