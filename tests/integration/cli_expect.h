#pragma once
// What integration tests expect of a `gallery` command they run (RunGallery).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "galleryd_process.h"

namespace gallery::testing {

// The JSON a command printed; the command must have succeeded (otherwise a test failure that
// names it, with its output and errors). Null when it printed nothing or no JSON.
inline nlohmann::json SucceededJson(const std::vector<std::string>& args,
                                    const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << DescribeCommand(args, r);
  return r.out.empty() ? nlohmann::json() : nlohmann::json::parse(r.out, nullptr, false);
}

}  // namespace gallery::testing
