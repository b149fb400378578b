#pragma once
// Rules for image definitions: name; location in the catalog; osType, osState and the
// identifier (publisher, offer, sku) required; specialized OS state refused (specialized disks
// are not supported as images); end of life in the future; recommended min <= max; the
// identifier unique within the gallery. Only description, recommended vCPUs and memory,
// end-of-life date and tags change after creation.

#include <vector>

#include "domain/gallery_image.h"
#include "domain/rule_context.h"

namespace gallery::domain {

Result<GalleryImage> NewGalleryImage(const ResourceId& id, const GalleryImageInput& in,
                                     const RuleContext& ctx);
Result<GalleryImage> UpdateGalleryImage(const GalleryImage& current, const GalleryImageInput& in,
                                        UpdateMode mode, const RuleContext& ctx);
// InvalidArgument (reason "InvalidParameter", target "galleryImage.properties.identifier",
// Azure's "Gallery image: <i> identified by (publisher, offer, sku) already exists" message)
// when another definition of `siblings` (same gallery) has the candidate's identifier,
// compared case-insensitively. The candidate itself (same id) in `siblings` is ignored.
Status CheckIdentifierUnique(const GalleryImage& candidate,
                             const std::vector<GalleryImage>& siblings);

}  // namespace gallery::domain
