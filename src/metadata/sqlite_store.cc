#include "metadata/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bounded_cache.h"
#include "common/resource_id.h"
#include "common/time.h"
#include "metadata/resource_codec.h"
#include "metadata/resource_memo.h"
#include "metadata/sqlite_connection.h"
#include "metadata/sqlite_export_grants.h"
#include "metadata/sqlite_roles.h"
#include "metadata/sqlite_schema.h"

namespace gallery::metadata {

namespace {

using nlohmann::json;

// ---------------------------------------------------------------- files

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;

Status OsError(const std::string& what, const std::filesystem::path& path) {
  return Status::Unavailable(what + " '" + path.string() + "': " + std::strerror(errno));
}

// Creates the missing directories of `dir` with mode 0700 (the data directory is private).
Status CreateDirectories(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (std::filesystem::path p = dir; !p.empty() && !std::filesystem::exists(p, ec);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) {
      break;
    }
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), kDirMode) != 0 && errno != EEXIST) {
      return OsError("cannot create directory", *it);
    }
  }
  return Status::Ok();
}

// Creates an empty database file with mode 0600 unless it exists, so that SQLite (which would
// create it with 0644 less the umask) only ever opens it; its -wal and -shm files take the
// same mode. The directory is synced so the new name survives a crash.
Status CreateDatabaseFile(const std::filesystem::path& file) {
  std::filesystem::path dir = file.parent_path();
  if (!dir.empty()) {
    GALLERY_RETURN_IF_ERROR(CreateDirectories(dir));
  }
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    return errno == EEXIST ? Status::Ok() : OsError("cannot create", file);
  }
  ::close(fd);
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return OsError("cannot open directory of", file);
  }
  int rc = ::fsync(dir_fd);
  ::close(dir_fd);
  return rc == 0 ? Status::Ok() : OsError("cannot sync directory of", file);
}

// ---------------------------------------------------------------- SQL

constexpr std::string_view kBegin = "BEGIN";
constexpr std::string_view kBeginImmediate = "BEGIN IMMEDIATE";
constexpr std::string_view kCommit = "COMMIT";
constexpr std::string_view kRollback = "ROLLBACK";
// A deferred BEGIN takes its snapshot at the first read; reading here pins it to Begin().
constexpr std::string_view kPinSnapshot = "SELECT 1 FROM schema_migrations LIMIT 1";

// Resource reads select `id, type, body, key` (ReadResource's columns).
constexpr std::string_view kGetResource =
    "SELECT id, type, body, key FROM resources WHERE key = ?1";
constexpr std::string_view kPutResource =
    "INSERT INTO resources (key, id, type, subscription, resource_group, parent_key, location, "
    "body, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
    "ON CONFLICT (key) DO UPDATE SET id = excluded.id, type = excluded.type, "
    "subscription = excluded.subscription, resource_group = excluded.resource_group, "
    "parent_key = excluded.parent_key, location = excluded.location, body = excluded.body, "
    "created_at = excluded.created_at, updated_at = excluded.updated_at";
constexpr std::string_view kDeleteResource = "DELETE FROM resources WHERE key = ?1";

constexpr std::string_view kPutTenant =
    "INSERT INTO tenants (id, display_name, created_at) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET id = excluded.id, display_name = excluded.display_name, "
    "created_at = excluded.created_at";
constexpr std::string_view kGetTenant =
    "SELECT id, display_name, created_at FROM tenants WHERE id = ?1";

constexpr std::string_view kPutSubscription =
    "INSERT INTO subscriptions (id, tenant_id, display_name, state, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (id) DO UPDATE SET id = excluded.id, tenant_id = excluded.tenant_id, "
    "display_name = excluded.display_name, state = excluded.state, "
    "created_at = excluded.created_at";
constexpr std::string_view kGetSubscription =
    "SELECT id, tenant_id, display_name, state, created_at FROM subscriptions WHERE id = ?1";
constexpr std::string_view kListSubscriptions =
    "SELECT id, tenant_id, display_name, state, created_at FROM subscriptions ORDER BY id";

constexpr std::string_view kPutPrincipal =
    "INSERT INTO principals (object_id, tenant_id, kind, display_name, app_id, "
    "user_principal_name, secret_hash, created_at, directory_admin) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (object_id) DO UPDATE SET object_id = excluded.object_id, "
    "tenant_id = excluded.tenant_id, kind = excluded.kind, display_name = excluded.display_name, "
    "app_id = excluded.app_id, user_principal_name = excluded.user_principal_name, "
    "secret_hash = excluded.secret_hash, created_at = excluded.created_at, "
    "directory_admin = excluded.directory_admin";
#define GALLERY_PRINCIPAL_COLUMNS                                                  \
  "SELECT object_id, tenant_id, kind, display_name, app_id, user_principal_name, " \
  "secret_hash, created_at, directory_admin FROM principals "
constexpr std::string_view kGetPrincipal = GALLERY_PRINCIPAL_COLUMNS "WHERE object_id = ?1";
// `app_id <> ''` lets SQLite use the partial index principals_by_app_id.
constexpr std::string_view kFindPrincipalByAppId =
    GALLERY_PRINCIPAL_COLUMNS "WHERE lower(app_id) = ?1 AND app_id <> ''";
constexpr std::string_view kFindUserByUpn = GALLERY_PRINCIPAL_COLUMNS
    "WHERE lower(user_principal_name) = ?1 AND user_principal_name <> '' AND kind = 'User'";
constexpr std::string_view kListPrincipals =
    GALLERY_PRINCIPAL_COLUMNS "WHERE tenant_id = ?1 AND kind = ?2 ORDER BY object_id";
#undef GALLERY_PRINCIPAL_COLUMNS
constexpr std::string_view kDeletePrincipal = "DELETE FROM principals WHERE object_id = ?1";
constexpr std::string_view kDeleteMemberships =
    "DELETE FROM group_members WHERE group_id = ?1 OR member_id = ?1";
constexpr std::string_view kAddGroupMember =
    "INSERT INTO group_members (group_id, member_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING";
constexpr std::string_view kRemoveGroupMember =
    "DELETE FROM group_members WHERE group_id = ?1 AND member_id = ?2";
constexpr std::string_view kListGroupMembers =
    "SELECT member_id FROM group_members WHERE group_id = ?1 ORDER BY member_id";
constexpr std::string_view kListGroupsOf =
    "SELECT group_id FROM group_members WHERE member_id = ?1 ORDER BY group_id";

constexpr std::string_view kPutOperation =
    "INSERT INTO operations (id, subscription, location, kind, resource_key, resource_id, "
    "status, start_time, end_time, not_before, error_code, error_message, attempts, "
    "origin_tenant, origin_caller, origin_caller_name, origin_correlation_id, "
    "origin_client_request_id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) "
    "ON CONFLICT (id) DO UPDATE SET id = excluded.id, subscription = excluded.subscription, "
    "location = excluded.location, kind = excluded.kind, resource_key = excluded.resource_key, "
    "resource_id = excluded.resource_id, status = excluded.status, "
    "start_time = excluded.start_time, end_time = excluded.end_time, "
    "not_before = excluded.not_before, error_code = excluded.error_code, "
    "error_message = excluded.error_message, attempts = excluded.attempts, "
    "origin_tenant = excluded.origin_tenant, origin_caller = excluded.origin_caller, "
    "origin_caller_name = excluded.origin_caller_name, "
    "origin_correlation_id = excluded.origin_correlation_id, "
    "origin_client_request_id = excluded.origin_client_request_id";
#define GALLERY_OPERATION_COLUMNS                                                        \
  "SELECT id, subscription, location, kind, resource_id, status, start_time, end_time, " \
  "not_before, error_code, error_message, attempts, origin_tenant, origin_caller, "      \
  "origin_caller_name, origin_correlation_id, origin_client_request_id FROM operations "
constexpr std::string_view kGetOperation = GALLERY_OPERATION_COLUMNS "WHERE id = ?1";
constexpr std::string_view kListRunnableOperations = GALLERY_OPERATION_COLUMNS
    "WHERE status = 'InProgress' AND not_before <= ?1 ORDER BY start_time, id LIMIT ?2";
#undef GALLERY_OPERATION_COLUMNS
constexpr std::string_view kAppendActivityEvent =
    "INSERT INTO activity_events (event_id, subscription, event_time, submission_time, "
    "tenant_id, caller_object_id, caller_name, action, scope, scope_key, resource_group, status, "
    "http_status, correlation_id, client_request_id, http_method, client_address, operation_id, "
    "error_code, error_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    "?14, ?15, ?16, ?17, ?18, ?19, ?20)";
constexpr std::string_view kActivityColumns =
    "SELECT event_id, subscription, event_time, submission_time, tenant_id, caller_object_id, "
    "caller_name, action, scope, resource_group, status, http_status, correlation_id, "
    "client_request_id, http_method, client_address, operation_id, error_code, error_message "
    "FROM activity_events";
constexpr std::string_view kPruneActivityEvents =
    "DELETE FROM activity_events WHERE event_time < ?1";
constexpr std::string_view kPutRegistration =
    "INSERT INTO registrations (subscription, kind, name_key, name, state, changed_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (subscription, kind, name_key) DO UPDATE SET "
    "name = excluded.name, state = excluded.state, changed_at = excluded.changed_at";
constexpr std::string_view kListRegistrations =
    "SELECT subscription, kind, name, state, changed_at FROM registrations "
    "WHERE subscription = ?1 ORDER BY kind, name_key";
constexpr std::string_view kGetSetting = "SELECT value FROM settings WHERE key = ?1";
constexpr std::string_view kPutSetting =
    "INSERT INTO settings (key, value) VALUES (?1, ?2) "
    "ON CONFLICT(key) DO UPDATE SET value = excluded.value";
// A manifest row names its body (manifest_bodies), which copies share; the last row to go
// takes its body along.
constexpr std::string_view kPutManifestBody =
    "INSERT INTO manifest_bodies (body) VALUES (?1) RETURNING id";
constexpr std::string_view kManifestBodyOf = "SELECT body_id FROM manifests WHERE id = ?1";
constexpr std::string_view kPutManifest =
    "INSERT INTO manifests (id, store, body_id, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(id) DO UPDATE SET store = excluded.store, body_id = excluded.body_id, "
    "created_at = excluded.created_at";
constexpr std::string_view kGetManifest =
    "SELECT m.id, m.store, b.body, m.created_at FROM manifests m "
    "JOIN manifest_bodies b ON b.id = m.body_id WHERE m.id = ?1";
constexpr std::string_view kDeleteManifest = "DELETE FROM manifests WHERE id = ?1";
constexpr std::string_view kDropUnusedManifestBody =
    "DELETE FROM manifest_bodies WHERE id = ?1 "
    "AND NOT EXISTS (SELECT 1 FROM manifests WHERE body_id = ?1)";
constexpr std::string_view kListManifests =
    "SELECT m.id, m.store, b.body, m.created_at FROM manifests m "
    "JOIN manifest_bodies b ON b.id = m.body_id ORDER BY m.id";
constexpr std::string_view kNextOperationDue =
    "SELECT min(not_before) FROM operations WHERE status = 'InProgress'";
constexpr std::string_view kPruneOperations =
    "DELETE FROM operations WHERE status <> 'InProgress' AND end_time < ?1";

// ---------------------------------------------------------------- enums stored as text

std::string_view KindName(domain::PrincipalKind kind) { return domain::PrincipalTypeName(kind); }
std::string_view KindName(domain::OperationKind kind) { return domain::ToString(kind); }
std::string_view StatusName(domain::OperationStatus status) { return domain::ToString(status); }

// The value of `values` whose stored name (per `name_of`) is `name`.
template <typename E, size_t N, typename F>
std::optional<E> FromName(const std::array<E, N>& values, std::string_view name, F name_of) {
  for (E value : values) {
    if (name_of(value) == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view KindName(domain::RegistrationKind kind) { return domain::ToString(kind); }
std::string_view StatusName(domain::ActivityStatus status) { return domain::ToString(status); }
std::string_view StatusName(domain::RegistrationState state) { return domain::ToString(state); }

constexpr std::array kRegistrationKinds = {domain::RegistrationKind::kProvider,
                                           domain::RegistrationKind::kFeature};
constexpr std::array kRegistrationStates = {
    domain::RegistrationState::kNotRegistered, domain::RegistrationState::kRegistering,
    domain::RegistrationState::kRegistered, domain::RegistrationState::kUnregistering,
    domain::RegistrationState::kUnregistered};
constexpr std::array kActivityStatuses = {domain::ActivityStatus::kStarted,
                                          domain::ActivityStatus::kSucceeded,
                                          domain::ActivityStatus::kFailed};
constexpr std::array kPrincipalKinds = {domain::PrincipalKind::kServicePrincipal,
                                        domain::PrincipalKind::kUser,
                                        domain::PrincipalKind::kGroup};
constexpr std::array kOperationKinds = {
    domain::OperationKind::kCreate, domain::OperationKind::kUpdate, domain::OperationKind::kDelete,
    domain::OperationKind::kBeginGetAccess, domain::OperationKind::kEndGetAccess};
constexpr std::array kOperationStatuses = {
    domain::OperationStatus::kInProgress, domain::OperationStatus::kSucceeded,
    domain::OperationStatus::kFailed, domain::OperationStatus::kCanceled};

// ---------------------------------------------------------------- rows

// Columns: id, type, body, key.
Result<std::shared_ptr<const Resource>> ReadSharedResource(const SqliteStatement& st,
                                                           ResourceMemo& memo) {
  std::string_view type = st.ColumnText(1);
  std::string_view body = st.ColumnText(2);
  std::string_view key = st.ColumnText(3);
  if (std::shared_ptr<const Resource> known = memo.Find(key, type, body)) {
    return known;
  }
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return CorruptRow("resource", st.ColumnText(0), "its body is not JSON");
  }
  GALLERY_ASSIGN_OR_RETURN(Resource resource, DecodeResource(type, doc));
  return memo.Remember(key, type, body, std::move(resource));
}

Result<Resource> ReadResource(const SqliteStatement& st, ResourceMemo& memo) {
  GALLERY_ASSIGN_OR_RETURN(std::shared_ptr<const Resource> shared, ReadSharedResource(st, memo));
  return *shared;
}

domain::Tenant ReadTenant(const SqliteStatement& st) {
  domain::Tenant tenant;
  tenant.id = st.ColumnText(0);
  tenant.display_name = st.ColumnText(1);
  tenant.created_at = st.ColumnInt64(2);
  return tenant;
}

domain::Subscription ReadSubscription(const SqliteStatement& st) {
  domain::Subscription subscription;
  subscription.id = st.ColumnText(0);
  subscription.tenant_id = st.ColumnText(1);
  subscription.display_name = st.ColumnText(2);
  subscription.state = st.ColumnText(3);
  subscription.created_at = st.ColumnInt64(4);
  return subscription;
}

Result<domain::Principal> ReadPrincipal(const SqliteStatement& st) {
  domain::Principal principal;
  principal.object_id = st.ColumnText(0);
  principal.tenant_id = st.ColumnText(1);
  std::optional<domain::PrincipalKind> kind = FromName(
      kPrincipalKinds, st.ColumnText(2), [](domain::PrincipalKind k) { return KindName(k); });
  if (!kind.has_value()) {
    return CorruptRow("principal", principal.object_id,
                      "unknown kind '" + std::string(st.ColumnText(2)) + "'");
  }
  principal.kind = *kind;
  principal.display_name = st.ColumnText(3);
  principal.app_id = st.ColumnText(4);
  principal.user_principal_name = st.ColumnText(5);
  principal.secret_hash = st.ColumnText(6);
  principal.created_at = st.ColumnInt64(7);
  principal.directory_admin = st.ColumnInt64(8) != 0;
  return principal;
}

// Operations without a resource store '' (a default ResourceId does not print as a valid id).
std::string OperationResourceText(const ResourceId& id) {
  return id.subscription().empty() ? std::string() : id.ToString();
}

Result<domain::Operation> ReadOperation(const SqliteStatement& st) {
  domain::Operation op;
  op.id = st.ColumnText(0);
  op.subscription = st.ColumnText(1);
  op.location = st.ColumnText(2);
  std::optional<domain::OperationKind> kind = FromName(
      kOperationKinds, st.ColumnText(3), [](domain::OperationKind k) { return KindName(k); });
  if (!kind.has_value()) {
    return CorruptRow("operation", op.id, "unknown kind '" + std::string(st.ColumnText(3)) + "'");
  }
  op.kind = *kind;
  std::string_view resource_id = st.ColumnText(4);
  if (!resource_id.empty()) {
    Result<ResourceId> parsed = ResourceId::Parse(resource_id);
    if (!parsed.ok()) {
      return CorruptRow("operation", op.id,
                        "resource id '" + std::string(resource_id) + "' does not parse");
    }
    op.resource_id = std::move(parsed).value();
  }
  std::optional<domain::OperationStatus> status =
      FromName(kOperationStatuses, st.ColumnText(5),
               [](domain::OperationStatus k) { return StatusName(k); });
  if (!status.has_value()) {
    return CorruptRow("operation", op.id, "unknown status '" + std::string(st.ColumnText(5)) + "'");
  }
  op.status = *status;
  op.start_time = st.ColumnInt64(6);
  op.end_time = st.ColumnInt64(7);
  op.not_before = st.ColumnInt64(8);
  op.error_code = st.ColumnText(9);
  op.error_message = st.ColumnText(10);
  int64_t attempts = st.ColumnInt64(11);
  if (attempts < 0 || attempts > std::numeric_limits<int32_t>::max()) {
    return CorruptRow("operation", op.id, "attempts out of range");
  }
  op.attempts = static_cast<int32_t>(attempts);
  op.origin.tenant_id = st.ColumnText(12);
  op.origin.caller_object_id = st.ColumnText(13);
  op.origin.caller_name = st.ColumnText(14);
  op.origin.correlation_id = st.ColumnText(15);
  op.origin.client_request_id = st.ColumnText(16);
  return op;
}

// Columns: kActivityColumns.
Result<domain::ActivityEvent> ReadActivityEvent(const SqliteStatement& st) {
  domain::ActivityEvent e;
  e.event_id = st.ColumnText(0);
  e.subscription = st.ColumnText(1);
  e.event_time = st.ColumnInt64(2);
  e.submission_time = st.ColumnInt64(3);
  e.tenant_id = st.ColumnText(4);
  e.caller_object_id = st.ColumnText(5);
  e.caller_name = st.ColumnText(6);
  e.action = st.ColumnText(7);
  e.scope = st.ColumnText(8);
  e.resource_group = st.ColumnText(9);
  std::optional<domain::ActivityStatus> status = FromName(
      kActivityStatuses, st.ColumnText(10), [](domain::ActivityStatus k) { return StatusName(k); });
  if (!status.has_value()) {
    return CorruptRow("activity event", e.event_id,
                      "unknown status '" + std::string(st.ColumnText(10)) + "'");
  }
  e.status = *status;
  e.http_status = static_cast<int32_t>(st.ColumnInt64(11));
  e.correlation_id = st.ColumnText(12);
  e.client_request_id = st.ColumnText(13);
  e.http_method = st.ColumnText(14);
  e.client_address = st.ColumnText(15);
  e.operation_id = st.ColumnText(16);
  e.error_code = st.ColumnText(17);
  e.error_message = st.ColumnText(18);
  return e;
}

Result<domain::Registration> ReadRegistration(const SqliteStatement& st) {
  domain::Registration r;
  r.subscription = st.ColumnText(0);
  r.name = st.ColumnText(2);
  std::optional<domain::RegistrationKind> kind = FromName(
      kRegistrationKinds, st.ColumnText(1), [](domain::RegistrationKind k) { return KindName(k); });
  std::optional<domain::RegistrationState> state =
      FromName(kRegistrationStates, st.ColumnText(3),
               [](domain::RegistrationState k) { return StatusName(k); });
  if (!kind.has_value() || !state.has_value()) {
    return CorruptRow("registration", r.name, "unknown kind or state");
  }
  r.kind = *kind;
  r.state = *state;
  r.changed_at = st.ColumnInt64(4);
  return r;
}

// An activity paging key: "{event_time}/{event_id}" of the last event of a page.
std::string ActivityKey(const domain::ActivityEvent& e) {
  return std::to_string(e.event_time) + "/" + e.event_id;
}

Result<std::pair<int64_t, std::string>> ParseActivityKey(std::string_view key) {
  const size_t slash = key.find('/');
  int64_t time = 0;
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size()) {
    return Status::InvalidArgument("malformed activity paging key");
  }
  for (char c : key.substr(0, slash)) {
    if (c < '0' || c > '9' || time > std::numeric_limits<int64_t>::max() / 10 - 10) {
      return Status::InvalidArgument("malformed activity paging key");
    }
    time = time * 10 + (c - '0');
  }
  return std::make_pair(time, std::string(key.substr(slash + 1)));
}

// The WHERE clause and parameters of a resource query (after_key and limit excluded).
struct ResourceFilter {
  std::string where;
  std::vector<std::string> params;

  // Adds "AND column op ?n" with `value` as parameter n.
  void Add(std::string_view column, std::string value, std::string_view op = "=") {
    params.push_back(std::move(value));
    where += " AND " + std::string(column) + " " + std::string(op) + " ?" +
             std::to_string(params.size());
  }
};

Result<ResourceFilter> FilterFor(const ResourceQuery& q) {
  if (q.subscription.empty()) {
    return Status::InvalidArgument("a resource query needs a subscription");
  }
  if (q.limit < 0) {
    return Status::InvalidArgument("a resource query's limit may not be negative, got " +
                                   std::to_string(q.limit));
  }
  ResourceFilter f;
  f.params.push_back(ToLower(q.subscription));
  f.where = " WHERE subscription = ?1";
  if (!q.resource_group.empty()) {
    f.Add("resource_group", ToLower(q.resource_group));
    // What is in a group is below it: the group's own row is not.
    f.Add("key", ResourceId::ForResourceGroup(q.subscription, q.resource_group).Key(), "<>");
  }
  if (q.parent.has_value()) {
    f.Add("parent_key", q.parent->Key());
  }
  if (!q.type.empty()) {
    f.Add("type", ToLower(q.type));
  }
  if (!q.location.empty()) {
    f.Add("location", ToLower(q.location));
  }
  return f;
}

// Runs the cached statement `sql` on `conn`.
Status RunSql(SqliteConnection& conn, std::string_view sql) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn.Prepare(sql));
  return st.Run();
}

void BindAll(SqliteStatement& st, const std::vector<std::string>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    st.Bind(static_cast<int>(i + 1), params[i]);
  }
}

}  // namespace

// ---------------------------------------------------------------- store and transaction

class SqliteStore final : public MetadataStore {
 public:
  explicit SqliteStore(SqliteOptions opts)
      : opts_(opts), memo_(opts.memo_bytes), found_(opts.memo_bytes) {}
  ~SqliteStore() override {
    if (lock_fd_ >= 0) {
      ::close(lock_fd_);
    }
  }

  Status Open(const std::filesystem::path& db_file);
  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override;
  Result<std::shared_ptr<const Resource>> FindResource(const ResourceId& id) override;

  uint64_t RoleGeneration() const override {
    return role_generation_.load(std::memory_order_acquire);
  }
  // Called after a transaction that changed the role tables committed: this process is the
  // database's only writer, so counting its own commits is enough.
  void RolesChanged() { role_generation_.fetch_add(1, std::memory_order_acq_rel); }

  // Returns a read connection taken by Begin(kRead) to the pool.
  void ReleaseReader(SqliteConnection* conn);
  ResourceMemo& memo() { return memo_; }

  // Brackets the COMMIT of a write transaction that changed resources, for FindResource's
  // cache (see generation_).
  void WriteCommitStarts() { generation_.fetch_add(1, std::memory_order_acq_rel); }
  void WriteCommitEnded() { generation_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::chrono::milliseconds timeout() const {
    return std::chrono::milliseconds(opts_.busy_timeout_ms);
  }
  Result<SqliteConnection*> AcquireReader();

  const SqliteOptions opts_;
  // Held by the write transaction for its whole life: one writer at a time in this process, and
  // BEGIN IMMEDIATE orders it against other processes.
  std::timed_mutex write_mu_;
  std::unique_ptr<SqliteConnection> writer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // all of them, for ownership
  std::vector<SqliteConnection*> idle_readers_;             // guarded by pool_mu_

  ResourceMemo memo_;

  // FindResource's cache. This process is the only one that writes the database (Open() takes
  // an exclusive lock on it), and every change of a resource row commits through a write
  // transaction that bumps generation_ before and after its COMMIT (PutResource and
  // DeleteResource are the only statements that write that table): an entry read at an even
  // generation is the
  // committed state for as long as the generation stays the same. While a commit runs (odd
  // generation) point reads go to SQLite and remember nothing.
  struct Found {
    uint64_t generation;
    std::shared_ptr<const Resource> resource;  // null: the id was absent
  };
  std::atomic<uint64_t> generation_{0};
  BoundedCache<Found> found_;  // by id key
  int lock_fd_ = -1;           // holds the exclusive lock on the database
  std::atomic<uint64_t> role_generation_{1};
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteStore* store, SqliteConnection* conn, TxMode mode,
                    std::unique_lock<std::timed_mutex> write_lock)
      : store_(store), conn_(conn), mode_(mode), write_lock_(std::move(write_lock)) {}
  // Rolls back unless committed; there is no one to report a failed rollback to, and SQLite
  // discards the changes of an unfinished transaction anyway.
  ~SqliteTransaction() override { (void)End(kRollback); }

  Result<std::optional<Resource>> GetResource(const ResourceId& id) override;
  Status PutResource(const Resource& resource) override;
  Status DeleteResource(const ResourceId& id) override;
  Result<ResourcePage> ListResources(const ResourceQuery& query) override;
  Result<int64_t> CountResources(const ResourceQuery& query) override;

  Status PutTenant(const domain::Tenant& tenant) override;
  Result<std::optional<domain::Tenant>> GetTenant(const std::string& id) override;
  Status PutSubscription(const domain::Subscription& subscription) override;
  Result<std::optional<domain::Subscription>> GetSubscription(const std::string& id) override;
  Result<std::vector<domain::Subscription>> ListSubscriptions() override;
  Status PutPrincipal(const domain::Principal& principal) override;
  Result<std::optional<domain::Principal>> GetPrincipal(const std::string& object_id) override;
  Result<std::optional<domain::Principal>> FindPrincipalByAppId(const std::string& app_id) override;
  Result<std::optional<domain::Principal>> FindUserByUpn(const std::string& upn) override;
  Result<std::vector<domain::Principal>> ListPrincipals(const std::string& tenant_id,
                                                        domain::PrincipalKind kind) override;
  Status DeletePrincipal(const std::string& object_id) override;
  Status AddGroupMember(const std::string& group_id, const std::string& member_id) override;
  Status RemoveGroupMember(const std::string& group_id, const std::string& member_id) override;
  Result<std::vector<std::string>> ListGroupMembers(const std::string& group_id) override;
  Result<std::vector<std::string>> ListGroupsOf(const std::string& member_id) override;

  Status PutRoleAssignment(const domain::RoleAssignment& assignment) override;
  Result<std::optional<domain::RoleAssignment>> GetRoleAssignment(const std::string& name) override;
  Status DeleteRoleAssignment(const std::string& name) override;
  Result<std::vector<domain::RoleAssignment>> ListRoleAssignments(
      const RoleAssignmentQuery& query) override;
  Result<int64_t> DeleteRoleAssignmentsWithin(const ResourceId& scope) override;
  Status PutRoleDefinition(const domain::RoleDefinition& definition) override;
  Result<std::optional<domain::RoleDefinition>> GetRoleDefinition(const std::string& name) override;
  Status DeleteRoleDefinition(const std::string& name) override;
  Result<std::vector<domain::RoleDefinition>> ListRoleDefinitions() override;

  Status PutOperation(const domain::Operation& operation) override;
  Result<std::optional<domain::Operation>> GetOperation(const std::string& id) override;
  Result<std::vector<domain::Operation>> ListRunnableOperations(TimestampMs now,
                                                                int32_t limit) override;
  Result<std::optional<TimestampMs>> NextOperationDue() override;
  Result<int64_t> PruneOperations(TimestampMs cutoff) override;
  Result<std::optional<std::string>> GetSetting(const std::string& key) override;
  Status PutSetting(const std::string& key, const std::string& value) override;
  Status PutManifest(const ManifestRecord& manifest) override;
  Status PutManifestCopy(const std::string& same_as, const std::string& id,
                         const std::string& store, TimestampMs created_at) override;
  Result<std::optional<ManifestRecord>> GetManifest(const std::string& id) override;
  Status DeleteManifest(const std::string& id) override;
  Status ForEachManifest(const std::function<Status(const ManifestRecord&)>& fn) override;
  Status AddEgress(const std::string& source, const std::string& target, int64_t bytes) override;
  Result<std::vector<EgressTotal>> ListEgress() override;
  Status PutExportGrant(const domain::ExportGrant& grant) override;
  Result<std::optional<domain::ExportGrant>> GetExportGrant(const std::string& id) override;
  Result<int64_t> DeleteExportGrantsOf(const ResourceId& resource) override;
  Result<int64_t> DeleteExportGrant(const ResourceId& resource, const std::string& id) override;
  Result<int64_t> PruneExportGrants(TimestampMs now) override;

  Status AppendActivityEvent(const domain::ActivityEvent& event) override;
  Result<ActivityPage> ListActivityEvents(const ActivityQuery& query) override;
  Result<int64_t> PruneActivityEvents(TimestampMs cutoff) override;
  Status PutRegistration(const domain::Registration& registration) override;
  Result<std::vector<domain::Registration>> ListRegistrations(
      const std::string& subscription) override;

  Status Commit() override;

 private:
  // OK when the transaction may run a statement (`writes`: one that changes data).
  Status Usable(bool writes) const;
  // Runs `sql` (COMMIT or ROLLBACK), rolls back if that failed, and gives the connection back.
  Status End(std::string_view sql);
  // `written`, after marking the transaction as one that changed the role tables if it is OK.
  Status RolesWritten(Status written) {
    roles_changed_ = roles_changed_ || written.ok();
    return written;
  }
  Result<std::vector<std::string>> TextColumn(std::string_view sql, const std::string& param);
  // The body that manifest `id` names; nullopt when there is no such manifest.
  Result<std::optional<int64_t>> ManifestBodyOf(const std::string& id);
  // Inserts or replaces manifest `id`, naming body `body_id`; a body it named before goes if
  // no other manifest names it.
  Status SetManifest(const std::string& id, const std::string& store, int64_t body_id,
                     TimestampMs created_at);
  Status DropUnusedManifestBody(int64_t body_id);

  SqliteStore* store_;
  SqliteConnection* conn_;  // null once ended
  TxMode mode_;
  std::unique_lock<std::timed_mutex> write_lock_;  // owned only by write transactions
  // What the transaction wrote, so that a commit invalidates only the caches of those tables.
  bool resources_changed_ = false;  // FindResource's cache (generation_)
  bool roles_changed_ = false;      // the authorizer's index (role_generation_)
};

// ---- SqliteStore

Status SqliteStore::Open(const std::filesystem::path& db_file) {
  GALLERY_RETURN_IF_ERROR(CreateDatabaseFile(db_file));
  // One process per database: the caches here trust that every change is this process's own.
  const std::filesystem::path lock_file = db_file.string() + ".lock";
  lock_fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kFileMode);
  if (lock_fd_ < 0) {
    return OsError("cannot open lock file", lock_file);
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::FailedPrecondition("the metadata database '" + db_file.string() +
                                        "' is in use by another process (it holds '" +
                                        lock_file.string() +
                                        "'); run one galleryd per data directory");
    }
    return OsError("cannot lock", lock_file);
  }
  GALLERY_ASSIGN_OR_RETURN(writer_, SqliteConnection::Open(db_file, opts_.busy_timeout_ms, false));
  // WAL is a property of the file: set once here, the readers opened below inherit it.
  GALLERY_ASSIGN_OR_RETURN(std::string mode, writer_->QueryText("PRAGMA journal_mode = WAL"));
  if (ToLower(mode) != "wal") {
    return Status::Unavailable("cannot switch '" + db_file.string() +
                               "' to write-ahead logging (journal mode is '" + mode + "')");
  }
  GALLERY_RETURN_IF_ERROR(MigrateSchema(*writer_, SystemClock().Now()));
  for (int32_t i = 0; i < opts_.read_connections; ++i) {
    GALLERY_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> reader,
                             SqliteConnection::Open(db_file, opts_.busy_timeout_ms, true));
    idle_readers_.push_back(reader.get());
    readers_.push_back(std::move(reader));
  }
  return Status::Ok();
}

Result<SqliteConnection*> SqliteStore::AcquireReader() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  if (!pool_cv_.wait_for(lock, timeout(), [this] { return !idle_readers_.empty(); })) {
    return Status::Unavailable("no metadata read connection became free within " +
                               std::to_string(opts_.busy_timeout_ms) + " ms (" +
                               std::to_string(opts_.read_connections) + " in use)");
  }
  SqliteConnection* conn = idle_readers_.back();
  idle_readers_.pop_back();
  return conn;
}

void SqliteStore::ReleaseReader(SqliteConnection* conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_readers_.push_back(conn);
  }
  pool_cv_.notify_one();
}

Result<std::unique_ptr<Transaction>> SqliteStore::Begin(TxMode mode) {
  if (mode == TxMode::kWrite) {
    std::unique_lock<std::timed_mutex> lock(write_mu_, timeout());
    if (!lock.owns_lock()) {
      return Status::Unavailable("the previous metadata write transaction did not end within " +
                                 std::to_string(opts_.busy_timeout_ms) + " ms");
    }
    GALLERY_RETURN_IF_ERROR(RunSql(*writer_, kBeginImmediate));
    return std::unique_ptr<Transaction>(
        new SqliteTransaction(this, writer_.get(), mode, std::move(lock)));
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteConnection * conn, AcquireReader());
  // From here the transaction owns the connection: its destructor rolls back and returns it.
  auto tx =
      std::make_unique<SqliteTransaction>(this, conn, mode, std::unique_lock<std::timed_mutex>());
  Status begun = RunSql(*conn, kBegin);
  if (begun.ok()) {
    begun = RunSql(*conn, kPinSnapshot);
  }
  if (!begun.ok()) {
    return begun;
  }
  return std::unique_ptr<Transaction>(std::move(tx));
}

Result<std::shared_ptr<const Resource>> SqliteStore::FindResource(const ResourceId& id) {
  std::string key = id.Key();
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  const bool cacheable = generation % 2 == 0;
  if (cacheable) {
    std::optional<std::shared_ptr<const Resource>> known =
        found_.Visit(key, [&](const Found& f) -> std::optional<std::shared_ptr<const Resource>> {
          if (f.generation != generation) {
            return std::nullopt;
          }
          return f.resource;
        });
    if (known.has_value()) {
      return *known;
    }
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteConnection * conn, AcquireReader());
  struct Release {
    SqliteStore* store;
    SqliteConnection* conn;
    ~Release() { store->ReleaseReader(conn); }
  } release{this, conn};
  // One statement in autocommit mode reads one committed snapshot; no BEGIN/COMMIT needed.
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn->Prepare(kGetResource));
  st.Bind(1, key);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  std::shared_ptr<const Resource> found;
  if (row) {
    GALLERY_ASSIGN_OR_RETURN(found, ReadSharedResource(st, memo_));
  }
  if (cacheable) {
    // Tagged with the generation seen before the read: if a commit ran meanwhile, the entry is
    // already stale and is never used.
    const size_t size = key.size() + 64;
    found_.Put(std::move(key), Found{generation, found}, size);
  }
  return found;
}

// ---- SqliteTransaction

Status SqliteTransaction::Usable(bool writes) const {
  if (conn_ == nullptr) {
    return Status::FailedPrecondition("the metadata transaction has already ended");
  }
  if (writes && mode_ != TxMode::kWrite) {
    return Status::FailedPrecondition("a read transaction cannot change the metadata");
  }
  if (!conn_->InTransaction()) {
    return Status::Unavailable(
        "the metadata database rolled this transaction back after an error; retry it");
  }
  return Status::Ok();
}

Status SqliteTransaction::End(std::string_view sql) {
  if (conn_ == nullptr) {
    return Status::Ok();
  }
  Status status = Status::Ok();
  if (conn_->InTransaction()) {
    // Only a commit that changed resources invalidates FindResource's cache: the activity
    // log, operations and registrations are written far more often than resources.
    const bool commits_resources = sql == kCommit && resources_changed_;
    if (commits_resources) {
      store_->WriteCommitStarts();
    }
    status = RunSql(*conn_, sql);
    if (commits_resources) {
      store_->WriteCommitEnded();
    }
    if (conn_->InTransaction()) {
      // A failed COMMIT (e.g. busy) leaves the transaction open: it must not stay so on a
      // connection that goes back to the pool. ROLLBACK of an open transaction cannot fail
      // for want of a lock.
      (void)RunSql(*conn_, kRollback);
    }
  } else if (sql == kCommit) {
    status = Usable(false);  // SQLite already rolled it back: nothing was committed
  }
  if (mode_ == TxMode::kRead) {
    store_->ReleaseReader(conn_);
  } else {
    write_lock_.unlock();
  }
  conn_ = nullptr;
  return status;
}

Status SqliteTransaction::Commit() {
  if (conn_ == nullptr) {
    return Usable(false);
  }
  GALLERY_RETURN_IF_ERROR(End(kCommit));
  if (roles_changed_) {
    store_->RolesChanged();
  }
  return Status::Ok();
}

// ---- role tables (sqlite_roles.h); every change marks the transaction for the generation bump

Status SqliteTransaction::PutRoleAssignment(const domain::RoleAssignment& assignment) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return RolesWritten(sqlite_roles::PutAssignment(*conn_, assignment));
}

Result<std::optional<domain::RoleAssignment>> SqliteTransaction::GetRoleAssignment(
    const std::string& name) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  return sqlite_roles::GetAssignment(*conn_, name);
}

Status SqliteTransaction::DeleteRoleAssignment(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return RolesWritten(sqlite_roles::DeleteAssignment(*conn_, name));
}

Result<std::vector<domain::RoleAssignment>> SqliteTransaction::ListRoleAssignments(
    const RoleAssignmentQuery& query) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  return sqlite_roles::ListAssignments(*conn_, query);
}

Result<int64_t> SqliteTransaction::DeleteRoleAssignmentsWithin(const ResourceId& scope) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(int64_t deleted, sqlite_roles::DeleteAssignmentsWithin(*conn_, scope));
  roles_changed_ = roles_changed_ || deleted > 0;
  return deleted;
}

Status SqliteTransaction::PutRoleDefinition(const domain::RoleDefinition& definition) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return RolesWritten(sqlite_roles::PutDefinition(*conn_, definition));
}

Result<std::optional<domain::RoleDefinition>> SqliteTransaction::GetRoleDefinition(
    const std::string& name) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  return sqlite_roles::GetDefinition(*conn_, name);
}

Status SqliteTransaction::DeleteRoleDefinition(const std::string& name) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return RolesWritten(sqlite_roles::DeleteDefinition(*conn_, name));
}

Result<std::vector<domain::RoleDefinition>> SqliteTransaction::ListRoleDefinitions() {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  return sqlite_roles::ListDefinitions(*conn_);
}

Result<std::optional<Resource>> SqliteTransaction::GetResource(const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetResource));
  st.Bind(1, id.Key());
  return QueryOne<Resource>(
      st, [this](const SqliteStatement& row) { return ReadResource(row, store_->memo()); });
}

Status SqliteTransaction::PutResource(const Resource& resource) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  const domain::TrackedResource& meta = Meta(resource);
  const std::string id_text = meta.id.ToString();
  if (!EqualsIgnoreCase(meta.id.Type(), TypeOf(resource))) {
    return Status::Internal("cannot store resource '" + id_text + "' as a " + TypeOf(resource) +
                            ": its id is of type " + meta.id.Type());
  }
  std::string body;
  try {
    body = EncodeResource(resource).dump();
  } catch (const nlohmann::json::exception& e) {
    // dump() throws only on strings that are not UTF-8, which the API's parser never yields.
    return Status::Internal("cannot encode resource '" + id_text + "': " + e.what());
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutResource));
  st.Bind(1, meta.id.Key())
      .Bind(2, id_text)
      .Bind(3, ToLower(TypeOf(resource)))
      .Bind(4, ToLower(meta.id.subscription()))
      .Bind(5, ToLower(meta.id.resource_group()))
      .Bind(6, meta.id.Parent().Key())
      .Bind(7, ToLower(meta.location))
      .Bind(8, body)
      .Bind(9, meta.created_at)
      .Bind(10, meta.updated_at);
  GALLERY_RETURN_IF_ERROR(st.Run());
  resources_changed_ = true;
  return Status::Ok();
}

Status SqliteTransaction::DeleteResource(const ResourceId& id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kDeleteResource));
  st.Bind(1, id.Key());
  GALLERY_RETURN_IF_ERROR(st.Run());
  if (conn_->Changes() == 0) {
    return Status::NotFound("resource '" + id.ToString() + "' not found");
  }
  resources_changed_ = true;
  return Status::Ok();
}

Result<ResourcePage> SqliteTransaction::ListResources(const ResourceQuery& query) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(ResourceFilter f, FilterFor(query));
  if (!query.after_key.empty()) {
    f.Add("key", ToLower(query.after_key), ">");  // keyset paging
  }
  std::string sql = "SELECT id, type, body, key FROM resources" + f.where + " ORDER BY key";
  if (query.limit > 0) {
    // One row more than asked tells whether another page follows.
    sql += " LIMIT " + std::to_string(int64_t{query.limit} + 1);
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(sql));
  BindAll(st, f.params);
  ResourcePage page;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      break;
    }
    if (query.limit > 0 && page.items.size() == static_cast<size_t>(query.limit)) {
      page.next_key = Meta(page.items.back()).id.Key();
      break;
    }
    GALLERY_ASSIGN_OR_RETURN(Resource resource, ReadResource(st, store_->memo()));
    page.items.push_back(std::move(resource));
  }
  return page;
}

Result<int64_t> SqliteTransaction::CountResources(const ResourceQuery& query) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  ResourceQuery unpaged = query;
  unpaged.limit = 0;
  GALLERY_ASSIGN_OR_RETURN(ResourceFilter f, FilterFor(unpaged));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st,
                           conn_->Prepare("SELECT count(*) FROM resources" + f.where));
  BindAll(st, f.params);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? st.ColumnInt64(0) : 0;
}

Status SqliteTransaction::PutTenant(const domain::Tenant& tenant) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutTenant));
  st.Bind(1, tenant.id).Bind(2, tenant.display_name).Bind(3, tenant.created_at);
  return st.Run();
}

Result<std::optional<domain::Tenant>> SqliteTransaction::GetTenant(const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetTenant));
  st.Bind(1, id);
  return QueryOne<domain::Tenant>(
      st, [](const SqliteStatement& s) { return Result<domain::Tenant>(ReadTenant(s)); });
}

Status SqliteTransaction::PutSubscription(const domain::Subscription& subscription) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutSubscription));
  st.Bind(1, subscription.id)
      .Bind(2, subscription.tenant_id)
      .Bind(3, subscription.display_name)
      .Bind(4, subscription.state)
      .Bind(5, subscription.created_at);
  return st.Run();
}

Result<std::optional<domain::Subscription>> SqliteTransaction::GetSubscription(
    const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetSubscription));
  st.Bind(1, id);
  return QueryOne<domain::Subscription>(st, [](const SqliteStatement& s) {
    return Result<domain::Subscription>(ReadSubscription(s));
  });
}

Result<std::vector<domain::Subscription>> SqliteTransaction::ListSubscriptions() {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kListSubscriptions));
  std::vector<domain::Subscription> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    out.push_back(ReadSubscription(st));
  }
}

Status SqliteTransaction::PutPrincipal(const domain::Principal& principal) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutPrincipal));
  st.Bind(1, principal.object_id)
      .Bind(2, principal.tenant_id)
      .Bind(3, KindName(principal.kind))
      .Bind(4, principal.display_name)
      .Bind(5, principal.app_id)
      .Bind(6, principal.user_principal_name)
      .Bind(7, principal.secret_hash)
      .Bind(8, principal.created_at)
      .Bind(9, int64_t{principal.directory_admin ? 1 : 0});
  return st.Run();
}

Result<std::optional<domain::Principal>> SqliteTransaction::GetPrincipal(
    const std::string& object_id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetPrincipal));
  st.Bind(1, object_id);
  return QueryOne<domain::Principal>(st, ReadPrincipal);
}

Result<std::optional<domain::Principal>> SqliteTransaction::FindPrincipalByAppId(
    const std::string& app_id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  if (app_id.empty()) {
    return std::optional<domain::Principal>();  // users and groups have no app id
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kFindPrincipalByAppId));
  st.Bind(1, ToLower(app_id));
  return QueryOne<domain::Principal>(st, ReadPrincipal);
}

Result<std::optional<domain::Principal>> SqliteTransaction::FindUserByUpn(const std::string& upn) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  if (upn.empty()) {
    return std::optional<domain::Principal>();
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kFindUserByUpn));
  st.Bind(1, ToLower(upn));
  return QueryOne<domain::Principal>(st, ReadPrincipal);
}

Result<std::vector<domain::Principal>> SqliteTransaction::ListPrincipals(
    const std::string& tenant_id, domain::PrincipalKind kind) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kListPrincipals));
  st.Bind(1, tenant_id).Bind(2, KindName(kind));
  std::vector<domain::Principal> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    GALLERY_ASSIGN_OR_RETURN(domain::Principal principal, ReadPrincipal(st));
    out.push_back(std::move(principal));
  }
}

Status SqliteTransaction::DeletePrincipal(const std::string& object_id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kDeletePrincipal));
  st.Bind(1, object_id);
  GALLERY_RETURN_IF_ERROR(st.Run());
  if (conn_->Changes() == 0) {
    return Status::NotFound("principal '" + object_id + "' not found");
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement edges, conn_->Prepare(kDeleteMemberships));
  edges.Bind(1, object_id);
  return edges.Run();
}

Status SqliteTransaction::AddGroupMember(const std::string& group_id,
                                         const std::string& member_id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kAddGroupMember));
  st.Bind(1, group_id).Bind(2, member_id);
  return st.Run();
}

Status SqliteTransaction::RemoveGroupMember(const std::string& group_id,
                                            const std::string& member_id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kRemoveGroupMember));
  st.Bind(1, group_id).Bind(2, member_id);
  GALLERY_RETURN_IF_ERROR(st.Run());
  if (conn_->Changes() == 0) {
    return Status::NotFound("'" + member_id + "' is not a member of group '" + group_id + "'");
  }
  return Status::Ok();
}

// Runs `sql` with one text parameter and returns the first column of every row.
Result<std::vector<std::string>> SqliteTransaction::TextColumn(std::string_view sql,
                                                               const std::string& param) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(sql));
  st.Bind(1, param);
  std::vector<std::string> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    out.emplace_back(st.ColumnText(0));
  }
}

Result<std::vector<std::string>> SqliteTransaction::ListGroupMembers(const std::string& group_id) {
  return TextColumn(kListGroupMembers, group_id);
}

Result<std::vector<std::string>> SqliteTransaction::ListGroupsOf(const std::string& member_id) {
  return TextColumn(kListGroupsOf, member_id);
}

Status SqliteTransaction::PutOperation(const domain::Operation& operation) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutOperation));
  const std::string resource_text = OperationResourceText(operation.resource_id);
  st.Bind(1, operation.id)
      .Bind(2, operation.subscription)
      .Bind(3, operation.location)
      .Bind(4, KindName(operation.kind))
      .Bind(5, ToLower(resource_text))
      .Bind(6, resource_text)
      .Bind(7, StatusName(operation.status))
      .Bind(8, operation.start_time)
      .Bind(9, operation.end_time)
      .Bind(10, operation.not_before)
      .Bind(11, operation.error_code)
      .Bind(12, operation.error_message)
      .Bind(13, int64_t{operation.attempts})
      .Bind(14, operation.origin.tenant_id)
      .Bind(15, operation.origin.caller_object_id)
      .Bind(16, operation.origin.caller_name)
      .Bind(17, operation.origin.correlation_id)
      .Bind(18, operation.origin.client_request_id);
  return st.Run();
}

Result<std::optional<domain::Operation>> SqliteTransaction::GetOperation(const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetOperation));
  st.Bind(1, id);
  return QueryOne<domain::Operation>(st, ReadOperation);
}

Result<std::vector<domain::Operation>> SqliteTransaction::ListRunnableOperations(TimestampMs now,
                                                                                 int32_t limit) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  if (limit < 1) {
    return Status::InvalidArgument("ListRunnableOperations needs a limit of at least 1, got " +
                                   std::to_string(limit));
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kListRunnableOperations));
  st.Bind(1, now).Bind(2, int64_t{limit});
  std::vector<domain::Operation> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    GALLERY_ASSIGN_OR_RETURN(domain::Operation op, ReadOperation(st));
    out.push_back(std::move(op));
  }
}

Result<std::optional<TimestampMs>> SqliteTransaction::NextOperationDue() {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kNextOperationDue));
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row || st.ColumnIsNull(0)) {
    return std::optional<TimestampMs>();
  }
  return std::optional<TimestampMs>(st.ColumnInt64(0));
}

Result<int64_t> SqliteTransaction::PruneOperations(TimestampMs cutoff) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPruneOperations));
  st.Bind(1, cutoff);
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn_->Changes();
}

Result<std::optional<std::string>> SqliteTransaction::GetSetting(const std::string& key) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetSetting));
  st.Bind(1, key);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::string(st.ColumnText(0)));
}

Status SqliteTransaction::PutSetting(const std::string& key, const std::string& value) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutSetting));
  st.Bind(1, key).Bind(2, value);
  return st.Run();
}

namespace {

// Columns: id, region, body, created_at.
ManifestRecord ReadManifest(const SqliteStatement& st) {
  return ManifestRecord{std::string(st.ColumnText(0)), std::string(st.ColumnText(1)),
                        std::string(st.ColumnBlob(2)), st.ColumnInt64(3)};
}

}  // namespace

Status SqliteTransaction::PutManifest(const ManifestRecord& manifest) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  int64_t body_id = 0;
  {
    GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutManifestBody));
    st.BindBlob(1, manifest.body);
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return Status::Internal("storing a manifest's body returned no id");
    }
    body_id = st.ColumnInt64(0);
  }  // reset before the next statement
  return SetManifest(manifest.id, manifest.store, body_id, manifest.created_at);
}

Status SqliteTransaction::PutManifestCopy(const std::string& same_as, const std::string& id,
                                          const std::string& store, TimestampMs created_at) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<int64_t> body_id, ManifestBodyOf(same_as));
  if (!body_id.has_value()) {
    return Status::NotFound("manifest '" + same_as + "' not found");
  }
  return SetManifest(id, store, *body_id, created_at);
}

Result<std::optional<int64_t>> SqliteTransaction::ManifestBodyOf(const std::string& id) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kManifestBodyOf));
  st.Bind(1, id);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  return row ? std::optional<int64_t>(st.ColumnInt64(0)) : std::nullopt;
}

Status SqliteTransaction::SetManifest(const std::string& id, const std::string& store,
                                      int64_t body_id, TimestampMs created_at) {
  GALLERY_ASSIGN_OR_RETURN(std::optional<int64_t> replaced, ManifestBodyOf(id));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutManifest));
  st.Bind(1, id).Bind(2, store).Bind(3, body_id).Bind(4, created_at);
  GALLERY_RETURN_IF_ERROR(st.Run());
  if (replaced.has_value() && *replaced != body_id) {
    return DropUnusedManifestBody(*replaced);
  }
  return Status::Ok();
}

Status SqliteTransaction::DropUnusedManifestBody(int64_t body_id) {
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kDropUnusedManifestBody));
  st.Bind(1, body_id);
  return st.Run();
}

Result<std::optional<ManifestRecord>> SqliteTransaction::GetManifest(const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kGetManifest));
  st.Bind(1, id);
  GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return std::optional<ManifestRecord>();
  }
  return std::optional<ManifestRecord>(ReadManifest(st));
}

Status SqliteTransaction::DeleteManifest(const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(std::optional<int64_t> body_id, ManifestBodyOf(id));
  if (!body_id.has_value()) {
    return Status::NotFound("manifest '" + id + "' not found");
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kDeleteManifest));
  st.Bind(1, id);
  GALLERY_RETURN_IF_ERROR(st.Run());
  return DropUnusedManifestBody(*body_id);
}

Status SqliteTransaction::ForEachManifest(const std::function<Status(const ManifestRecord&)>& fn) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kListManifests));
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return Status::Ok();
    }
    GALLERY_RETURN_IF_ERROR(fn(ReadManifest(st)));
  }
}

// ---- replication egress

Status SqliteTransaction::AddEgress(const std::string& source, const std::string& target,
                                    int64_t bytes) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(
      SqliteStatement st,
      conn_->Prepare("INSERT INTO replication_egress (source, target, bytes) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT(source, target) DO UPDATE SET bytes = bytes + excluded.bytes"));
  st.Bind(1, source).Bind(2, target).Bind(3, bytes);
  return st.Run();
}

Result<std::vector<EgressTotal>> SqliteTransaction::ListEgress() {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(
      SqliteStatement st,
      conn_->Prepare("SELECT source, target, bytes FROM replication_egress "
                     "ORDER BY source, target"));
  std::vector<EgressTotal> totals;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return totals;
    }
    totals.push_back({std::string(st.ColumnText(0)), std::string(st.ColumnText(1)),
                      st.ColumnInt64(2)});
  }
}

// ---- export grants (sqlite_export_grants.h)

Status SqliteTransaction::PutExportGrant(const domain::ExportGrant& grant) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return sqlite_export_grants::Put(*conn_, grant);
}

Result<std::optional<domain::ExportGrant>> SqliteTransaction::GetExportGrant(
    const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  return sqlite_export_grants::Get(*conn_, id);
}

Result<int64_t> SqliteTransaction::DeleteExportGrantsOf(const ResourceId& resource) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return sqlite_export_grants::DeleteOf(*conn_, resource);
}

Result<int64_t> SqliteTransaction::DeleteExportGrant(const ResourceId& resource,
                                                     const std::string& id) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return sqlite_export_grants::DeleteOne(*conn_, resource, id);
}

Result<int64_t> SqliteTransaction::PruneExportGrants(TimestampMs now) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  return sqlite_export_grants::Prune(*conn_, now);
}

Status SqliteTransaction::AppendActivityEvent(const domain::ActivityEvent& e) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kAppendActivityEvent));
  st.Bind(1, e.event_id)
      .Bind(2, ToLower(e.subscription))
      .Bind(3, e.event_time)
      .Bind(4, e.submission_time)
      .Bind(5, e.tenant_id)
      .Bind(6, e.caller_object_id)
      .Bind(7, e.caller_name)
      .Bind(8, e.action)
      .Bind(9, e.scope)
      .Bind(10, ToLower(e.scope))
      .Bind(11, e.resource_group)
      .Bind(12, StatusName(e.status))
      .Bind(13, int64_t{e.http_status})
      .Bind(14, e.correlation_id)
      .Bind(15, e.client_request_id)
      .Bind(16, e.http_method)
      .Bind(17, e.client_address)
      .Bind(18, e.operation_id)
      .Bind(19, e.error_code)
      .Bind(20, e.error_message);
  return st.Run();
}

Result<ActivityPage> SqliteTransaction::ListActivityEvents(const ActivityQuery& q) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  if (q.subscription.empty()) {
    return Status::InvalidArgument("an activity query needs a subscription");
  }
  if (q.limit < 0) {
    return Status::InvalidArgument("an activity query's limit may not be negative");
  }
  // Keyset paging, newest first: (time, id) below the last page's (?4, ?5). Without a key the
  // bound is above every event.
  int64_t after_time = std::numeric_limits<int64_t>::max();
  std::string after_id;
  if (!q.after_key.empty()) {
    GALLERY_ASSIGN_OR_RETURN(auto key, ParseActivityKey(q.after_key));
    after_time = key.first;
    after_id = std::move(key.second);
  }
  std::string sql = std::string(kActivityColumns) +
                    " WHERE subscription = ?1 AND event_time >= ?2 AND event_time <= ?3"
                    " AND (event_time < ?4 OR (event_time = ?4 AND event_id < ?5))";
  std::vector<std::string> text_params;  // bound from ?6 on
  auto add = [&](std::string_view column, std::string value) {
    text_params.push_back(std::move(value));
    sql += " AND " + std::string(column) + " = ?" + std::to_string(text_params.size() + 5);
  };
  if (!q.resource_group.empty()) {
    add("lower(resource_group)", ToLower(q.resource_group));
  }
  if (!q.resource_id.empty()) {
    add("scope_key", ToLower(q.resource_id));
  }
  if (!q.correlation_id.empty()) {
    add("correlation_id", q.correlation_id);
  }
  sql += " ORDER BY event_time DESC, event_id DESC";
  if (q.limit > 0) {
    sql += " LIMIT " + std::to_string(int64_t{q.limit} + 1);
  }
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(sql));
  st.Bind(1, ToLower(q.subscription))
      .Bind(2, q.from)
      .Bind(3, q.to)
      .Bind(4, after_time)
      .Bind(5, after_id);
  for (size_t i = 0; i < text_params.size(); ++i) {
    st.Bind(static_cast<int>(i + 6), text_params[i]);
  }
  ActivityPage page;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      break;
    }
    if (q.limit > 0 && page.items.size() == static_cast<size_t>(q.limit)) {
      page.next_key = ActivityKey(page.items.back());
      break;
    }
    GALLERY_ASSIGN_OR_RETURN(domain::ActivityEvent e, ReadActivityEvent(st));
    page.items.push_back(std::move(e));
  }
  return page;
}

Result<int64_t> SqliteTransaction::PruneActivityEvents(TimestampMs cutoff) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPruneActivityEvents));
  st.Bind(1, cutoff);
  GALLERY_RETURN_IF_ERROR(st.Run());
  return conn_->Changes();
}

Status SqliteTransaction::PutRegistration(const domain::Registration& r) {
  GALLERY_RETURN_IF_ERROR(Usable(true));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kPutRegistration));
  st.Bind(1, ToLower(r.subscription))
      .Bind(2, KindName(r.kind))
      .Bind(3, ToLower(r.name))
      .Bind(4, r.name)
      .Bind(5, StatusName(r.state))
      .Bind(6, r.changed_at);
  return st.Run();
}

Result<std::vector<domain::Registration>> SqliteTransaction::ListRegistrations(
    const std::string& subscription) {
  GALLERY_RETURN_IF_ERROR(Usable(false));
  GALLERY_ASSIGN_OR_RETURN(SqliteStatement st, conn_->Prepare(kListRegistrations));
  st.Bind(1, ToLower(subscription));
  std::vector<domain::Registration> out;
  while (true) {
    GALLERY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) {
      return out;
    }
    GALLERY_ASSIGN_OR_RETURN(domain::Registration r, ReadRegistration(st));
    out.push_back(std::move(r));
  }
}

// ---------------------------------------------------------------- opening

Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(const std::filesystem::path& db_file,
                                                       SqliteOptions opts) {
  if (opts.busy_timeout_ms < 0) {
    return Status::InvalidArgument("busy_timeout_ms may not be negative, got " +
                                   std::to_string(opts.busy_timeout_ms));
  }
  if (opts.read_connections < 1) {
    return Status::InvalidArgument("read_connections must be at least 1, got " +
                                   std::to_string(opts.read_connections));
  }
  if (sqlite3_threadsafe() == 0) {
    return Status::Internal("this SQLite library was built without thread support");
  }
  auto store = std::make_unique<SqliteStore>(opts);
  GALLERY_RETURN_IF_ERROR(store->Open(db_file));
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace gallery::metadata
