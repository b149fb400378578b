#pragma once
// ServiceConfig: the knobs of the service layer, read from galleryd's configuration file.

#include <cstdint>

#include "domain/limits.h"

namespace gallery::service {

struct ServiceConfig {
  domain::Limits limits;
  // A long-running operation completes no sooner than this after it was accepted. 0 completes
  // as soon as the operation runner gets to it; tests and demos raise it to watch the states.
  int64_t operation_min_duration_ms = 0;
  // Finished operations stay queryable this long.
  int64_t operation_retention_ms = 24 * 3600 * 1000;
};

}  // namespace gallery::service
