#pragma once
// ServiceConfig: the knobs of the service layer, read from galleryd's configuration file.

#include <cstdint>

#include "domain/limits.h"
#include "replication/link_model.h"
#include "replication/replicator.h"
#include "service/disk_service_options.h"

namespace gallery::service {

struct ServiceConfig {
  domain::Limits limits;
  // A long-running operation completes no sooner than this after it was accepted. 0 completes
  // as soon as the operation runner gets to it; tests and demos raise it to watch the states.
  int64_t operation_min_duration_ms = 0;
  // Finished operations stay queryable this long.
  int64_t operation_retention_ms = 24 * 3600 * 1000;
  // Creating a gallery requires the subscription's registration of the preview feature
  // Microsoft.Compute/GalleryPreview (`az feature register`), as Azure's preview did.
  bool require_feature_registration = false;
  // How long a provider or feature registration stays Registering (or Unregistering).
  int64_t registration_delay_ms = 0;
  // Disk uploads and seals (uploads_dir is galleryd's to set).
  DiskServiceOptions disks;
  // Activity log entries are kept this long.
  int64_t activity_retention_ms = int64_t{90} * 24 * 3600 * 1000;
  // Garbage collection of the region chunk stores runs at start and then this often.
  int64_t gc_interval_ms = int64_t{3600} * 1000;
  // Replication's workers, retries and link model (replication/replicator.h).
  replication::ReplicatorOptions replication;
  // Bandwidth and latency between regions (config/links-example.json); unlimited by default.
  replication::LinkModel links = replication::LinkModel::Unlimited();
  // The integrity scrub of the chunk stores (store_scrub.h) runs this often, the first time one
  // interval after start; 0: only on demand.
  int64_t scrub_interval_ms = int64_t{24} * 3600 * 1000;
};

}  // namespace gallery::service
