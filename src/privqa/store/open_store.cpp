#include "privqa/store/open_store.h"

#include <filesystem>

#include "privqa/store/postgres_store.h"

namespace privqa {

Result<std::unique_ptr<ResultStore>> open_store(const std::string& location, bool read_only) {
  if (!is_postgres_url(location)) return open_sqlite_store(location, read_only);
  auto url = parse_postgres_url(location);
  if (!url) return url.error();
  return open_postgres_store(*url, read_only);
}

Result<std::unique_ptr<ResponseCache>> open_response_cache(const std::string& location) {
  if (!is_postgres_url(location)) return open_sqlite_response_cache(location);
  auto url = parse_postgres_url(location);
  if (!url) return url.error();
  return open_postgres_response_cache(*url);
}

Result<std::unique_ptr<WorkQueue>> open_work_queue(const std::string& location,
                                                   double lease_seconds) {
  if (!is_postgres_url(location)) return local_work_queue();
  auto url = parse_postgres_url(location);
  if (!url) return url.error();
  return open_postgres_work_queue(*url, lease_seconds);
}

Result<std::vector<WorkerRecord>> read_workers(const std::string& location) {
  if (!is_postgres_url(location)) return std::vector<WorkerRecord>();
  auto url = parse_postgres_url(location);
  if (!url) return url.error();
  return postgres_workers(*url);
}

std::string store_label(const std::string& location) {
  if (!is_postgres_url(location)) return std::filesystem::path(location).stem().string();
  auto url = parse_postgres_url(location);
  if (url && url->schema != "public") return url->schema;
  // The database: the URL's path, before any parameters.
  const std::string_view rest = std::string_view(location).substr(location.find("://") + 3);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "postgresql";
  const std::string_view database = rest.substr(slash + 1, rest.find('?') - slash - 1);
  return database.empty() ? "postgresql" : std::string(database);
}

}  // namespace privqa
