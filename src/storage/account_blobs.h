#pragma once
// Account blobs: where the blobs of the storage-account endpoint (domain/blob_uri.h) live on
// disk. Each tenant has its own namespace:
//
//   {root}/{tenant}/{account}/{container}/{blob path}
//
// so two tenants may use the same account name without seeing each other's blobs. Any
// principal of a tenant may read and write its blobs (a local stand-in for a storage account).
// The names are validated (domain/blob_uri.h), so no component can leave the root.

#include <filesystem>
#include <string>

#include "domain/blob_uri.h"

namespace gallery::storage {

// The file of blob `at` of `tenant` under `root`. `at` must hold valid names and `tenant` a
// tenant id (a GUID); the result is then always inside `root`.
inline std::filesystem::path AccountBlobPath(const std::filesystem::path& root,
                                             const std::string& tenant,
                                             const domain::BlobLocation& at) {
  return root / tenant / at.account / at.container / at.blob;
}

// The page map (page_map.h) of blob `at`: in a tree of its own, {root}/.pages/{tenant}/...,
// so that no blob name can collide with it (a tenant is a GUID, never ".pages").
inline std::filesystem::path AccountBlobPagesPath(const std::filesystem::path& root,
                                                  const std::string& tenant,
                                                  const domain::BlobLocation& at) {
  return AccountBlobPath(root / ".pages", tenant, at);
}

}  // namespace gallery::storage
