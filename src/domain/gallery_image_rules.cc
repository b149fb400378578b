#include "domain/gallery_image_rules.h"

#include "common/resource_id.h"
#include "domain/names.h"
#include "domain/update_checks.h"

namespace gallery::domain {

namespace {

constexpr char kProps[] = "galleryImage.properties.";

Status CheckRange(const ResourceRange& range, std::string_view name) {
  const std::string field = std::string(kProps) + "recommended." + std::string(name);
  for (const auto& [value, which] : {std::pair{range.min, "min"}, std::pair{range.max, "max"}}) {
    if (value.has_value() && *value < 1) {
      return Status::InvalidArgument("The value " + std::to_string(*value) + " of parameter " +
                                         field + "." + which +
                                         " is out of range. The value must be at least 1.",
                                     field + "." + which)
          .WithReason("InvalidParameter");
    }
  }
  if (range.min.has_value() && range.max.has_value() && *range.min > *range.max) {
    return Status::InvalidArgument("The minimum value of " + std::string(name) +
                                       " must not be greater than the maximum value of " +
                                       std::string(name) + " (min " + std::to_string(*range.min) +
                                       ", max " + std::to_string(*range.max) + ").",
                                   field)
        .WithReason("InvalidParameter");
  }
  return Status::Ok();
}

Status CheckGeneralized(OsState state, std::string_view field) {
  if (state == OsState::kGeneralized) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
             "The value 'Specialized' of " + std::string(field) +
                 " is not supported: specialized disks are not supported as images. Create a VM "
                 "from the specialized disk, generalize it, capture a generalized managed image, "
                 "and publish that.",
             std::string(field))
      .WithReason("InvalidParameter");
}

Status CheckIdentifier(const ImageIdentifier& id) {
  const std::string prefix = std::string(kProps) + "identifier.";
  GALLERY_RETURN_IF_ERROR(ValidateIdentifierPart(id.publisher, prefix + "publisher", 128));
  GALLERY_RETURN_IF_ERROR(ValidateIdentifierPart(id.offer, prefix + "offer", 64));
  return ValidateIdentifierPart(id.sku, prefix + "sku", 64);
}

// Applies the updatable fields of `in` to `image` (shared by create and update).
Status ApplyUpdatable(const GalleryImageInput& in, UpdateMode mode, const GalleryImage* current,
                      const RuleContext& ctx, GalleryImage* image) {
  const bool replace = mode == UpdateMode::kReplace;
  if (in.description.has_value() || replace) {
    image->description = in.description.value_or("");
  }
  if (in.tags.has_value() || replace) {
    image->meta.tags = in.tags.value_or(Tags{});
  }
  GALLERY_RETURN_IF_ERROR(ValidateTags(image->meta.tags, ctx.limits));
  if (in.end_of_life.has_value() || replace) {
    std::optional<TimestampMs> eol = in.end_of_life.value_or(std::nullopt);
    const bool changed = current == nullptr || current->end_of_life != eol;
    if (eol.has_value() && changed) {
      GALLERY_RETURN_IF_ERROR(CheckFutureDate(*eol, std::string(kProps) + "endOfLifeDate", ctx));
    }
    image->end_of_life = eol;
  }
  if (in.recommended_vcpus.has_value() || replace) {
    image->recommended_vcpus = in.recommended_vcpus.value_or(ResourceRange{});
  }
  if (in.recommended_memory.has_value() || replace) {
    image->recommended_memory = in.recommended_memory.value_or(ResourceRange{});
  }
  GALLERY_RETURN_IF_ERROR(CheckRange(image->recommended_vcpus, "vCPUs"));
  return CheckRange(image->recommended_memory, "memory");
}

template <typename T>
Status Immutable(const std::optional<T>& incoming, const T& current, std::string_view name) {
  if (incoming.has_value() && !(*incoming == current)) {
    return PropertyChangeNotAllowed(std::string(kProps) + std::string(name));
  }
  return Status::Ok();
}

}  // namespace

Result<GalleryImage> NewGalleryImage(const ResourceId& id, const GalleryImageInput& in,
                                     const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(ValidateGalleryImageName(id.Name()));
  if (!in.location.has_value()) {
    return MissingField("location");
  }
  GALLERY_ASSIGN_OR_RETURN(Region region, ctx.regions.Resolve(*in.location, "location"));
  if (!in.os_type.has_value()) {
    return MissingField(std::string(kProps) + "osType");
  }
  if (!in.os_state.has_value()) {
    return MissingField(std::string(kProps) + "osState");
  }
  if (!in.identifier.has_value()) {
    return MissingField(std::string(kProps) + "identifier");
  }
  GALLERY_RETURN_IF_ERROR(CheckGeneralized(*in.os_state, std::string(kProps) + "osState"));
  GALLERY_RETURN_IF_ERROR(CheckIdentifier(*in.identifier));
  GalleryImage image;
  image.meta.id = id;
  image.meta.location = region.name;
  image.meta.provisioning_state = ProvisioningState::kCreating;
  image.meta.created_at = image.meta.updated_at = ctx.now;
  image.os_type = *in.os_type;
  image.os_state = *in.os_state;
  image.hyper_v_generation = in.hyper_v_generation.value_or(HyperVGeneration::kV1);
  image.architecture = in.architecture;
  image.identifier = *in.identifier;
  image.extra = in.extra;
  GALLERY_RETURN_IF_ERROR(ApplyUpdatable(in, UpdateMode::kReplace, nullptr, ctx, &image));
  return image;
}

Result<GalleryImage> UpdateGalleryImage(const GalleryImage& current, const GalleryImageInput& in,
                                        UpdateMode mode, const RuleContext& ctx) {
  GALLERY_RETURN_IF_ERROR(CheckLocationUnchanged(current.meta, in.location, ctx.regions));
  GALLERY_RETURN_IF_ERROR(Immutable(in.os_type, current.os_type, "osType"));
  GALLERY_RETURN_IF_ERROR(Immutable(in.os_state, current.os_state, "osState"));
  GALLERY_RETURN_IF_ERROR(
      Immutable(in.hyper_v_generation, current.hyper_v_generation, "hyperVGeneration"));
  // A definition created without an architecture is x64 (Azure's default), so re-sending x64
  // is no change.
  if (in.architecture.has_value() &&
      *in.architecture != current.architecture.value_or(Architecture::kX64)) {
    return PropertyChangeNotAllowed(std::string(kProps) + "architecture");
  }
  if (in.identifier.has_value()) {
    GALLERY_RETURN_IF_ERROR(
        Immutable(std::optional(in.identifier->publisher), current.identifier.publisher,
                  "identifier.publisher"));
    GALLERY_RETURN_IF_ERROR(Immutable(std::optional(in.identifier->offer),
                                      current.identifier.offer, "identifier.offer"));
    GALLERY_RETURN_IF_ERROR(
        Immutable(std::optional(in.identifier->sku), current.identifier.sku, "identifier.sku"));
  }
  GALLERY_RETURN_IF_ERROR(CheckExtrasUnchanged(current.extra, in.extra, kProps));
  GalleryImage next = current;
  GALLERY_RETURN_IF_ERROR(ApplyUpdatable(in, mode, &current, ctx, &next));
  next.meta.provisioning_state = ProvisioningState::kUpdating;
  next.meta.updated_at = ctx.now;
  return next;
}

Status CheckIdentifierUnique(const GalleryImage& candidate,
                             const std::vector<GalleryImage>& siblings) {
  for (const GalleryImage& other : siblings) {
    if (other.meta.id == candidate.meta.id) {
      continue;
    }
    const ImageIdentifier& a = other.identifier;
    const ImageIdentifier& b = candidate.identifier;
    if (EqualsIgnoreCase(a.publisher, b.publisher) && EqualsIgnoreCase(a.offer, b.offer) &&
        EqualsIgnoreCase(a.sku, b.sku)) {
      // A 400 in Azure (troubleshooting doc), not a 409: the definition's own name is new.
      return Status::InvalidArgument(
                 "Gallery image: " + other.meta.id.Name() + " identified by (publisher:" +
                     a.publisher + ", offer:" + a.offer + ", sku:" + a.sku +
                     ") already exists in gallery " + candidate.meta.id.Parent().Name() +
                     ". Choose a different (publisher, offer, sku) for '" +
                     candidate.meta.id.Name() + "'.",
                 "galleryImage.properties.identifier")
          .WithReason("InvalidParameter");
    }
  }
  return Status::Ok();
}

}  // namespace gallery::domain
