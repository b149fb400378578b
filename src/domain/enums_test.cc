#include "domain/enums.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

using ::testing::HasSubstr;

TEST(EnumsTest, ToStringGivesTheCanonicalSpelling) {
  EXPECT_EQ(ToString(OsType::kWindows), "Windows");
  EXPECT_EQ(ToString(OsType::kLinux), "Linux");
  EXPECT_EQ(ToString(OsState::kGeneralized), "Generalized");
  EXPECT_EQ(ToString(OsState::kSpecialized), "Specialized");
  EXPECT_EQ(ToString(HyperVGeneration::kV1), "V1");
  EXPECT_EQ(ToString(HyperVGeneration::kV2), "V2");
  EXPECT_EQ(ToString(Architecture::kX64), "x64");
  EXPECT_EQ(ToString(Architecture::kArm64), "Arm64");
  EXPECT_EQ(ToString(HostCaching::kNone), "None");
  EXPECT_EQ(ToString(HostCaching::kReadOnly), "ReadOnly");
  EXPECT_EQ(ToString(HostCaching::kReadWrite), "ReadWrite");
  EXPECT_EQ(ToString(ProvisioningState::kCreating), "Creating");
  EXPECT_EQ(ToString(ProvisioningState::kUpdating), "Updating");
  EXPECT_EQ(ToString(ProvisioningState::kSucceeded), "Succeeded");
  EXPECT_EQ(ToString(ProvisioningState::kFailed), "Failed");
  EXPECT_EQ(ToString(ProvisioningState::kDeleting), "Deleting");
  EXPECT_EQ(ToString(ReplicationState::kUnknown), "Unknown");
  EXPECT_EQ(ToString(ReplicationState::kReplicating), "Replicating");
  EXPECT_EQ(ToString(ReplicationState::kCompleted), "Completed");
  EXPECT_EQ(ToString(ReplicationState::kFailed), "Failed");
}

TEST(EnumsTest, ParsersAcceptAnyCasing) {
  EXPECT_EQ(*ParseOsType("linux", "f"), OsType::kLinux);
  EXPECT_EQ(*ParseOsType("WINDOWS", "f"), OsType::kWindows);
  EXPECT_EQ(*ParseOsState("generalized", "f"), OsState::kGeneralized);
  EXPECT_EQ(*ParseOsState("SPECIALIZED", "f"), OsState::kSpecialized);
  EXPECT_EQ(*ParseHyperVGeneration("v2", "f"), HyperVGeneration::kV2);
  EXPECT_EQ(*ParseArchitecture("X64", "f"), Architecture::kX64);
  EXPECT_EQ(*ParseArchitecture("arm64", "f"), Architecture::kArm64);
  EXPECT_EQ(*ParseHostCaching("readwrite", "f"), HostCaching::kReadWrite);
  EXPECT_EQ(*ParseProvisioningState("succeeded", "f"), ProvisioningState::kSucceeded);
  EXPECT_EQ(*ParseReplicationState("COMPLETED", "f"), ReplicationState::kCompleted);
}

TEST(EnumsTest, EveryCanonicalSpellingParsesBack) {
  for (auto v : {OsType::kWindows, OsType::kLinux}) {
    EXPECT_EQ(*ParseOsType(ToString(v), "f"), v);
  }
  for (auto v : {HostCaching::kNone, HostCaching::kReadOnly, HostCaching::kReadWrite}) {
    EXPECT_EQ(*ParseHostCaching(ToString(v), "f"), v);
  }
  for (auto v :
       {ProvisioningState::kCreating, ProvisioningState::kUpdating, ProvisioningState::kSucceeded,
        ProvisioningState::kFailed, ProvisioningState::kDeleting}) {
    EXPECT_EQ(*ParseProvisioningState(ToString(v), "f"), v);
  }
  for (auto v : {ReplicationState::kUnknown, ReplicationState::kReplicating,
                 ReplicationState::kCompleted, ReplicationState::kFailed}) {
    EXPECT_EQ(*ParseReplicationState(ToString(v), "f"), v);
  }
}

TEST(EnumsTest, UnknownValueIsInvalidParameterNamingFieldValueAndAllowedValues) {
  Result<OsType> r = ParseOsType("Solaris", "galleryImage.properties.osType");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().target(), "galleryImage.properties.osType");
  EXPECT_EQ(r.status().message(),
            "The value 'Solaris' of parameter 'galleryImage.properties.osType' is not valid. "
            "Allowed values: 'Windows', 'Linux'.");
}

TEST(EnumsTest, EveryParserRefusesUnknownValues) {
  EXPECT_EQ(ParseOsState("Sealed", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseHyperVGeneration("V3", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseArchitecture("x86", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseHostCaching("WriteOnly", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseProvisioningState("Migrated", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseReplicationState("Paused", "f").status().reason(), "InvalidParameter");
  EXPECT_EQ(ParseOsType("", "f").status().code(), StatusCode::kInvalidArgument);
}

TEST(StorageAccountTypeTest, ParsesCaseInsensitivelyToTheCanonicalSpelling) {
  EXPECT_EQ(*ParseStorageAccountType("standard_zrs", "f"), "Standard_ZRS");
  EXPECT_EQ(*ParseStorageAccountType("STANDARD_LRS", "f"), "Standard_LRS");
  EXPECT_EQ(*ParseStorageAccountType("premium_lrs", "f"), "Premium_LRS");
  EXPECT_EQ(*ParseStorageAccountType("PremiumV2_LRS", "f"), "PremiumV2_LRS");
}

TEST(StorageAccountTypeTest, UnknownTypeIsInvalidParameterListingTheAllowedTypes) {
  Result<std::string> r = ParseStorageAccountType("UltraSSD_LRS", "storageAccountType");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "InvalidParameter");
  EXPECT_EQ(r.status().target(), "storageAccountType");
  EXPECT_THAT(r.status().message(), HasSubstr("'UltraSSD_LRS'"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("'Standard_LRS', 'Standard_ZRS', 'Premium_LRS', 'PremiumV2_LRS'"));
}

}  // namespace
}  // namespace gallery::domain
