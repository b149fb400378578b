// The sharing matrix, driven in-process through the real ARM front door: every grant scope x
// target x operation x principal form x role of sharing_matrix.h.

#include "sharing_matrix.h"

#include <gtest/gtest.h>

#include <atomic>

#include "in_process_gallery.h"

namespace gallery::testing::sharing {
namespace {

struct World {
  GrantScope grant;
  PrincipalForm form;
  Role role;
};

std::vector<World> AllWorlds() {
  std::vector<World> out;
  for (GrantScope g : kGrantScopes) {
    for (PrincipalForm f : kPrincipalForms) {
      for (Role r : kRoles) {
        out.push_back({g, f, r});
      }
    }
  }
  return out;
}

class SharingMatrixTest : public ::testing::TestWithParam<World> {
 protected:
  static void SetUpTestSuite() {
    gallery_ = new InProcessGallery("sharing-matrix");
    // One source image for every world's versions, in a group of its own.
    const std::string rg = gallery_->Sub() + "/resourceGroups/images";
    ASSERT_EQ(gallery_->CallJson("PUT", rg + "?api-version=2021-04-01", InProcessGallery::Located())
                  .status,
              201);
    image_ = rg + "/providers/Microsoft.Compute/images/img1";
    ASSERT_EQ(
        gallery_->CallJson("PUT", image_ + "?api-version=2022-11-01", InProcessGallery::Image())
            .status,
        201);
    gallery_->RunOperations();
  }
  static void TearDownTestSuite() {
    delete gallery_;
    gallery_ = nullptr;
  }

  // A new world: its own resource group with g1, d1, d2, d1/1.0.0, d1/1.0.1, d2/1.0.0.
  static std::string MakeWorld() {
    static std::atomic<int> next{0};
    const std::string group = gallery_->Sub() + "/resourceGroups/world" + std::to_string(next++);
    auto put = [&](const std::string& path, const char* api, const nlohmann::json& body) {
      Answer a = gallery_->CallJson("PUT", path + "?api-version=" + api, body);
      EXPECT_EQ(a.status, 201) << path << ": " << a.text;
    };
    put(group, "2021-04-01", InProcessGallery::Located());
    const std::string g = GalleryPath(group);
    put(g, "2021-10-01", InProcessGallery::Located());
    put(g + "/images/d1", "2021-10-01", InProcessGallery::Definition("s1"));
    put(g + "/images/d2", "2021-10-01", InProcessGallery::Definition("s2"));
    gallery_->RunOperations();
    for (const char* v :
         {"/images/d1/versions/1.0.0", "/images/d1/versions/1.0.1", "/images/d2/versions/1.0.0"}) {
      put(g + v, "2022-03-03", InProcessGallery::Version(image_));
    }
    gallery_->RunOperations();
    return group;
  }

  static InProcessGallery* gallery_;
  static std::string image_;
};

InProcessGallery* SharingMatrixTest::gallery_ = nullptr;
std::string SharingMatrixTest::image_;

TEST_P(SharingMatrixTest, EachTargetIsAllowedExactlyAsTheMatrixSays) {
  const World w = GetParam();
  const std::string group = MakeWorld();
  static std::atomic<int> names{0};
  const std::string caller_name = "caller" + std::to_string(names++);
  std::string holder;  // object id the role is assigned to
  std::string holder_type;
  domain::Caller caller;
  switch (w.form) {
    case PrincipalForm::kUser:
      caller = gallery_->AddPrincipal(caller_name, domain::PrincipalKind::kUser);
      holder = caller.object_id;
      holder_type = "User";
      break;
    case PrincipalForm::kServicePrincipal:
      caller = gallery_->AddPrincipal(caller_name, domain::PrincipalKind::kServicePrincipal);
      holder = caller.object_id;
      holder_type = "ServicePrincipal";
      break;
    case PrincipalForm::kGroupMember: {
      domain::Caller group_principal =
          gallery_->AddPrincipal(caller_name + "-group", domain::PrincipalKind::kGroup);
      caller = gallery_->AddPrincipal(
          caller_name, domain::PrincipalKind::kUser,
          {"00000000-0000-0000-0000-0000000000ff", group_principal.object_id});
      holder = group_principal.object_id;
      holder_type = "Group";
      break;
    }
  }
  Answer granted =
      gallery_->Assign(GrantPath(group, w.grant), holder, RoleDefinitionGuid(w.role), holder_type);
  ASSERT_EQ(granted.status, 201) << granted.text;

  for (const Case& c : WorldCases(w.grant, w.form, w.role)) {
    SCOPED_TRACE(c.Name());
    const std::string path = TargetPath(group, c.target);
    Answer a = gallery_->Call(c.method(), path + "?api-version=" + ApiVersionOf(c.target), c.body(),
                              caller_name);
    ASSERT_EQ(a.status, c.expected_status()) << a.text;
    if (!c.allowed()) {
      EXPECT_EQ(a.ErrorCode(), "AuthorizationFailed");
      EXPECT_EQ(a.ErrorMessage(),
                "The client '" + caller_name + "' with object id '" + caller.object_id +
                    "' does not have authorization to perform action '" + c.action() +
                    "' over scope '" + path +
                    "' or the scope is invalid. If access was recently granted, please refresh "
                    "your credentials.");
    } else if (c.op == Operation::kDelete && c.allowed_status() == 409) {
      EXPECT_EQ(a.ErrorCode(), "CannotDeleteResource");
    } else if (c.op != Operation::kDelete) {
      EXPECT_EQ(a.body.value("id", ""), path);
    }
  }
}

std::string WorldName(const ::testing::TestParamInfo<World>& info) {
  const Case c{info.param.grant, Target::kGallery, Operation::kRead, info.param.form,
               info.param.role};
  const std::string name = c.Name();
  return name.substr(0, name.rfind('_'));
}

INSTANTIATE_TEST_SUITE_P(Matrix, SharingMatrixTest, ::testing::ValuesIn(AllWorlds()), WorldName);

}  // namespace
}  // namespace gallery::testing::sharing
