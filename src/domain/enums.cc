#include "domain/enums.h"

#include <array>
#include <utility>

#include "common/resource_id.h"
#include "domain/enum_table.h"

namespace gallery::domain {

namespace {

template <typename E, size_t N>
std::string_view Name(const EnumTable<E, N>& table, E v) {
  return EnumName(table, v);
}

template <typename E, size_t N>
Result<E> Parse(const EnumTable<E, N>& table, std::string_view text, std::string_view field) {
  return ParseEnum(table, text, field);
}

constexpr std::array<std::pair<OsType, std::string_view>, 2> kOsTypes{
    {{OsType::kWindows, "Windows"}, {OsType::kLinux, "Linux"}}};
constexpr std::array<std::pair<OsState, std::string_view>, 2> kOsStates{
    {{OsState::kGeneralized, "Generalized"}, {OsState::kSpecialized, "Specialized"}}};
constexpr std::array<std::pair<HyperVGeneration, std::string_view>, 2> kGenerations{
    {{HyperVGeneration::kV1, "V1"}, {HyperVGeneration::kV2, "V2"}}};
constexpr std::array<std::pair<Architecture, std::string_view>, 2> kArchitectures{
    {{Architecture::kX64, "x64"}, {Architecture::kArm64, "Arm64"}}};
constexpr std::array<std::pair<HostCaching, std::string_view>, 3> kCachings{
    {{HostCaching::kNone, "None"},
     {HostCaching::kReadOnly, "ReadOnly"},
     {HostCaching::kReadWrite, "ReadWrite"}}};
constexpr std::array<std::pair<ProvisioningState, std::string_view>, 5> kProvisioningStates{
    {{ProvisioningState::kCreating, "Creating"},
     {ProvisioningState::kUpdating, "Updating"},
     {ProvisioningState::kSucceeded, "Succeeded"},
     {ProvisioningState::kFailed, "Failed"},
     {ProvisioningState::kDeleting, "Deleting"}}};
constexpr std::array<std::pair<ReplicationState, std::string_view>, 5> kReplicationStates{
    {{ReplicationState::kUnknown, "Unknown"},
     {ReplicationState::kQueued, "Queued"},
     {ReplicationState::kReplicating, "Replicating"},
     {ReplicationState::kCompleted, "Completed"},
     {ReplicationState::kFailed, "Failed"}}};
constexpr std::array<std::pair<int, std::string_view>, 4> kStorageAccountTypes{
    {{0, "Standard_LRS"}, {1, "Standard_ZRS"}, {2, "Premium_LRS"}, {3, "PremiumV2_LRS"}}};

}  // namespace

std::string_view ToString(OsType v) { return Name(kOsTypes, v); }
std::string_view ToString(OsState v) { return Name(kOsStates, v); }
std::string_view ToString(HyperVGeneration v) { return Name(kGenerations, v); }
std::string_view ToString(Architecture v) { return Name(kArchitectures, v); }
std::string_view ToString(HostCaching v) { return Name(kCachings, v); }
std::string_view ToString(ProvisioningState v) { return Name(kProvisioningStates, v); }
std::string_view ToString(ReplicationState v) { return Name(kReplicationStates, v); }

Result<OsType> ParseOsType(std::string_view t, std::string_view f) { return Parse(kOsTypes, t, f); }
Result<OsState> ParseOsState(std::string_view t, std::string_view f) {
  return Parse(kOsStates, t, f);
}
Result<HyperVGeneration> ParseHyperVGeneration(std::string_view t, std::string_view f) {
  return Parse(kGenerations, t, f);
}
Result<Architecture> ParseArchitecture(std::string_view t, std::string_view f) {
  return Parse(kArchitectures, t, f);
}
Result<HostCaching> ParseHostCaching(std::string_view t, std::string_view f) {
  return Parse(kCachings, t, f);
}
Result<ProvisioningState> ParseProvisioningState(std::string_view t, std::string_view f) {
  return Parse(kProvisioningStates, t, f);
}
Result<ReplicationState> ParseReplicationState(std::string_view t, std::string_view f) {
  return Parse(kReplicationStates, t, f);
}
Result<std::string> ParseStorageAccountType(std::string_view t, std::string_view f) {
  GALLERY_ASSIGN_OR_RETURN(int index, Parse(kStorageAccountTypes, t, f));
  return std::string(kStorageAccountTypes[static_cast<size_t>(index)].second);
}

}  // namespace gallery::domain
