#include "domain/action_pattern.h"

#include <gtest/gtest.h>

namespace gallery::domain {
namespace {

struct Case {
  const char* pattern;
  const char* action;
  bool matches;
};

class ActionPatternTest : public ::testing::TestWithParam<Case> {};

TEST_P(ActionPatternTest, MatchesAsAzureRbacDoes) {
  const Case& c = GetParam();
  EXPECT_EQ(ActionMatches(c.pattern, c.action), c.matches)
      << "pattern '" << c.pattern << "' action '" << c.action << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, ActionPatternTest,
    ::testing::Values(
        // '*' alone: every action.
        Case{"*", "Microsoft.Compute/galleries/read", true},
        Case{"*", "Microsoft.Authorization/roleAssignments/write", true},
        // '*/read': every read, nothing else.
        Case{"*/read", "Microsoft.Compute/galleries/images/versions/read", true},
        Case{"*/read", "Microsoft.Compute/galleries/write", false},
        Case{"*/read", "Microsoft.Compute/galleries/readers/write", false},
        // A provider prefix: everything below, across '/'.
        Case{"Microsoft.Compute/*", "Microsoft.Compute/galleries/images/write", true},
        Case{"Microsoft.Compute/*", "Microsoft.Resources/subscriptions/resourceGroups/read", false},
        Case{"Microsoft.Compute/galleries/*", "Microsoft.Compute/galleries/delete", true},
        Case{"Microsoft.Compute/galleries/*", "Microsoft.Compute/images/read", false},
        // A '*' in the middle spans one or more segments.
        Case{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write",
             true},
        Case{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleDefinitions/write",
             true},
        Case{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/read",
             false},
        Case{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/a/b/delete", true},
        // Case-insensitive in both directions.
        Case{"MICROSOFT.COMPUTE/GALLERIES/READ", "microsoft.compute/galleries/read", true},
        Case{"microsoft.authorization/elevateaccess/action",
             "Microsoft.Authorization/elevateAccess/Action", true},
        // Exact patterns match only themselves: no prefix or suffix matches.
        Case{"Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/read", true},
        Case{"Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/readx", false},
        Case{"Microsoft.Compute/galleries/read", "Microsoft.Compute/galleries/rea", false},
        Case{"Microsoft.Compute/galleries", "Microsoft.Compute/galleries/read", false},
        // Several stars; backtracking.
        Case{"*/galleries/*/read", "Microsoft.Compute/galleries/images/versions/read", true},
        Case{"*/galleries/*/read", "Microsoft.Compute/images/read", false},
        Case{"a*b*c", "axxbyyc", true}, Case{"a*b*c", "axxbyy", false},
        Case{"**", "anything", true}, Case{"*", "", true},
        // An empty pattern grants nothing.
        Case{"", "Microsoft.Compute/galleries/read", false}, Case{"", "", false}));

}  // namespace
}  // namespace gallery::domain
