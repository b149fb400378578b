#include "api/api_versions.h"

#include <algorithm>
#include <array>
#include <string>

namespace gallery::api {

namespace {

// The stable and preview versions Azure published for each family (the gallery ones from the
// Microsoft.Compute GalleryRP specs, the compute ones from ComputeRP, the resource ones from
// Microsoft.Resources).
constexpr std::array<std::string_view, 13> kGallery = {
    "2018-06-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-09-30",
    "2021-07-01", "2021-10-01", "2022-01-03", "2022-03-03", "2022-08-03",
    "2023-07-03", "2024-03-03", "2025-03-03"};
constexpr std::array<std::string_view, 23> kCompute = {
    "2018-04-01", "2018-06-01", "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01",
    "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01", "2021-07-01", "2021-11-01",
    "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01", "2023-09-01",
    "2024-03-01", "2024-07-01", "2024-11-01", "2025-02-01", "2025-04-01"};
// Microsoft.Compute/disks has its own versions (DiskRP).
constexpr std::array<std::string_view, 18> kDisks = {
    "2018-04-01", "2018-06-01", "2018-09-30", "2019-03-01", "2019-07-01", "2019-11-01",
    "2020-05-01", "2020-06-30", "2020-09-30", "2020-12-01", "2021-04-01", "2021-08-01",
    "2021-12-01", "2022-03-02", "2022-07-02", "2023-01-02", "2023-04-02", "2023-10-02"};
constexpr std::array<std::string_view, 20> kResources = {
    "2015-01-01", "2016-02-01", "2016-06-01", "2016-09-01", "2017-05-10",
    "2018-02-01", "2018-05-01", "2019-05-01", "2019-05-10", "2019-06-01",
    "2019-07-01", "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01",
    "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01"};
constexpr std::array<std::string_view, 4> kResourcesNewer = {"2022-12-01", "2023-07-01",
                                                             "2024-03-01", "2024-07-01"};

// Microsoft.Authorization: what az (2.45: 2018-01-01-preview for definitions,
// 2020-04-01-preview for assignments), az rest users and the SDKs send.
constexpr std::array<std::string_view, 13> kAuthorization = {
    "2015-06-01",         "2015-07-01",         "2017-05-01",         "2018-01-01-preview",
    "2018-07-01",         "2018-09-01-preview", "2020-03-01-preview", "2020-04-01-preview",
    "2020-08-01-preview", "2020-10-01-preview", "2021-03-01-preview", "2022-04-01",
    "2022-05-01-preview"};

constexpr std::array<std::string_view, 2> kFeatures = {"2015-12-01", "2021-07-01"};
constexpr std::array<std::string_view, 1> kInsights = {"2015-04-01"};

// The lists above are sorted (static_asserts below), so membership is a binary search.
template <size_t N>
constexpr bool In(const std::array<std::string_view, N>& list, std::string_view v) {
  return std::binary_search(list.begin(), list.end(), v);
}
static_assert(std::is_sorted(kGallery.begin(), kGallery.end()));
static_assert(std::is_sorted(kCompute.begin(), kCompute.end()));
static_assert(std::is_sorted(kDisks.begin(), kDisks.end()));
static_assert(std::is_sorted(kResources.begin(), kResources.end()));
static_assert(std::is_sorted(kResourcesNewer.begin(), kResourcesNewer.end()));
static_assert(std::is_sorted(kAuthorization.begin(), kAuthorization.end()));
static_assert(std::is_sorted(kFeatures.begin(), kFeatures.end()));
static_assert(std::is_sorted(kInsights.begin(), kInsights.end()));

template <size_t N>
std::string Join(const std::array<std::string_view, N>& list) {
  std::string out;
  for (std::string_view v : list) {
    out += (out.empty() ? "" : ", ") + std::string(v);
  }
  return out;
}

}  // namespace

Status CheckApiVersion(ApiFamily family, std::string_view api_version) {
  if (api_version.empty()) {
    return Status::InvalidArgument(
               "The api-version query parameter (?api-version=) is required for all requests.",
               "api-version")
        .WithReason("MissingApiVersionParameter");
  }
  auto gallery = [&] { return In(kGallery, api_version); };
  auto compute = [&] { return In(kCompute, api_version); };
  auto disks = [&] { return In(kDisks, api_version); };
  auto resources = [&] { return In(kResources, api_version) || In(kResourcesNewer, api_version); };
  bool ok = false;
  switch (family) {
    case ApiFamily::kGallery:
      ok = gallery();
      break;
    case ApiFamily::kCompute:
      ok = compute();
      break;
    case ApiFamily::kDisks:
      ok = disks();
      break;
    case ApiFamily::kResources:
      ok = resources();
      break;
    case ApiFamily::kOperations:
      ok = gallery() || compute() || disks() || resources();
      break;
    case ApiFamily::kAuthorization:
      ok = In(kAuthorization, api_version);
      break;
    case ApiFamily::kFeatures:
      ok = In(kFeatures, api_version);
      break;
    case ApiFamily::kInsights:
      ok = In(kInsights, api_version);
      break;
  }
  if (ok) {
    return Status::Ok();
  }
  // The list is built only for the error, keeping the accepted path free of allocations.
  std::string supported;
  if (family == ApiFamily::kGallery || family == ApiFamily::kOperations) {
    supported = Join(kGallery);
  }
  if (family == ApiFamily::kCompute || family == ApiFamily::kOperations) {
    supported += (supported.empty() ? "" : ", ") + Join(kCompute);
  }
  if (family == ApiFamily::kDisks || family == ApiFamily::kOperations) {
    supported += (supported.empty() ? "" : ", ") + Join(kDisks);
  }
  if (family == ApiFamily::kResources || family == ApiFamily::kOperations) {
    supported += (supported.empty() ? "" : ", ") + Join(kResources) + ", " + Join(kResourcesNewer);
  }
  if (family == ApiFamily::kAuthorization) {
    supported = Join(kAuthorization);
  }
  if (family == ApiFamily::kFeatures) {
    supported = Join(kFeatures);
  }
  if (family == ApiFamily::kInsights) {
    supported = Join(kInsights);
  }
  return Status::InvalidArgument("The api-version '" + std::string(api_version) +
                                     "' is invalid. The supported versions are '" + supported +
                                     "'.",
                                 "api-version")
      .WithReason("InvalidApiVersionParameter");
}

std::vector<std::string_view> SupportedApiVersions(ApiFamily family) {
  auto all = [](const auto&... lists) {
    std::vector<std::string_view> out;
    out.reserve((lists.size() + ...));
    // push_back, not a folded insert of ranges: GCC 12 misreads the latter as an overflow.
    auto append = [&out](const auto& list) {
      for (std::string_view v : list) {
        out.push_back(v);
      }
    };
    (append(lists), ...);
    return out;
  };
  switch (family) {
    case ApiFamily::kGallery:
      return all(kGallery);
    case ApiFamily::kCompute:
      return all(kCompute);
    case ApiFamily::kDisks:
      return all(kDisks);
    case ApiFamily::kResources:
      return all(kResources, kResourcesNewer);
    case ApiFamily::kOperations:
      return all(kGallery, kCompute, kDisks, kResources, kResourcesNewer);
    case ApiFamily::kAuthorization:
      return all(kAuthorization);
    case ApiFamily::kFeatures:
      return all(kFeatures);
    case ApiFamily::kInsights:
      return all(kInsights);
  }
  return {};
}

}  // namespace gallery::api
