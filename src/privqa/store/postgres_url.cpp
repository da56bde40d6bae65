#include "privqa/store/postgres_url.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>

namespace privqa {

namespace {

constexpr std::string_view kSchemaParam = "schema=";
constexpr std::string_view kReconnectParam = "reconnect_seconds=";

// `url` with any password (USER:SECRET@, password=SECRET) replaced by
// "***", so that refusing the URL does not repeat the secret.
std::string mask_password(std::string_view url) {
  std::string out(url);
  const size_t start = out.find("://");
  if (start == std::string::npos) return out;
  const size_t authority = start + 3;
  const size_t end = std::min(out.find_first_of("/?", authority), out.size());
  const size_t at = out.rfind('@', end);
  const size_t colon = out.find(':', authority);
  if (at != std::string::npos && at >= authority && colon < at) {
    out.replace(colon + 1, at - colon - 1, "***");
  }
  for (size_t p = out.find("password=", start); p != std::string::npos;
       p = out.find("password=", p + 1)) {
    const size_t value = p + std::string_view("password=").size();
    out.replace(value, out.find('&', value) - value, "***");
  }
  return out;
}

// Schema names are used quoted, as given; plain identifiers keep them
// readable in psql and safe to splice into SQL.
bool valid_schema(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

}  // namespace

bool is_postgres_url(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<PostgresUrl> parse_postgres_url(std::string_view url) {
  PostgresUrl out;
  out.shown = mask_password(url);
  out.schema = "public";
  auto fail = [&](std::string_view why) { return Error(fmt::format("{}: {}", out.shown, why)); };
  if (!is_postgres_url(url)) return fail("not a postgresql:// URL");

  // Take privqa's parameters out of the query; libpq refuses parameters it
  // does not know.
  const size_t query = url.find('?');
  out.conninfo = std::string(url.substr(0, query));
  if (query != std::string_view::npos) {
    std::string rest;
    std::string_view params = url.substr(query + 1);
    while (!params.empty()) {
      const size_t amp = params.find('&');
      const std::string_view param = params.substr(0, amp);
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
      if (param.starts_with(kSchemaParam)) {
        out.schema = std::string(param.substr(kSchemaParam.size()));
        if (!valid_schema(out.schema)) {
          return fail(fmt::format(
              "schema '{}' is not a plain name (letters, digits and _, not starting with a digit, "
              "at most 63)",
              out.schema));
        }
      } else if (param.starts_with(kReconnectParam)) {
        const std::string value(param.substr(kReconnectParam.size()));
        char* end = nullptr;
        out.reconnect_seconds = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || !(out.reconnect_seconds >= 0) ||
            out.reconnect_seconds > 86400) {
          return fail(fmt::format(
              "reconnect_seconds '{}' is not a number of seconds from 0 to 86400", value));
        }
      } else if (!param.empty()) {
        rest += (rest.empty() ? "" : "&") + std::string(param);
      }
    }
    if (!rest.empty()) out.conninfo += "?" + rest;
  }

  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(out.conninfo.c_str(), &message), &PQconninfoFree);
  if (!options) {
    std::string why = message ? message : "out of memory";
    PQfreemem(message);
    while (!why.empty() && why.back() == '\n')
      why.pop_back();
    return fail(why);
  }
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) {
      return fail(
          "the URL holds a password; give it in the environment (PGPASSWORD) or in ~/.pgpass, "
          "never in a config file or on a command line");
    }
  }
  return out;
}

}  // namespace privqa
