#pragma once
// GrantOwner: makes a principal Owner of a scope, inside the caller's write transaction.
//
// For whoever must own something from the start: the bootstrap administrator its subscription
// (service/bootstrap.h), and the creator of a new subscription. Idempotent: the assignment's
// name is derived from the scope and the principal, and an existing Owner assignment of the
// principal at the scope is kept. The Authorizer sees it once the transaction commits.
//
//   GALLERY_RETURN_IF_ERROR(access::GrantOwner(tx, ResourceId::ForSubscription(sub.id),
//                                              creator.object_id, clock.Now()));
//   GALLERY_RETURN_IF_ERROR(tx.Commit());

#include <string>

#include "common/result.h"
#include "common/time.h"
#include "metadata/metadata_store.h"

namespace gallery::access {

// NotFound when no principal has `principal_object_id`; FailedPrecondition when the principal
// belongs to another tenant than the scope's subscription (or that subscription does not
// exist); the store's errors otherwise.
Status GrantOwner(metadata::Transaction& tx, const ResourceId& scope,
                  const std::string& principal_object_id, TimestampMs now);

// The name GrantOwner gives the assignment: a GUID derived from the scope and the principal
// (SHA-256, shaped as an RFC 4122 version-5 id). Exposed for tests.
std::string OwnerAssignmentName(const ResourceId& scope, const std::string& principal_object_id);

}  // namespace gallery::access
