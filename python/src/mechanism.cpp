// privqa.Mechanism's engine: one mechanism at one eps, built once by the
// registry as the command line builds it, sanitizing on the worker threads
// with the GIL released.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "privqa/dp/corpus_words.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/word_channel.h"
#include "python/src/bindings.h"
#include "python/src/embeddings.h"

namespace privqa::python {
namespace {

class PyMechanism {
 public:
  PyMechanism(const std::string& name, double eps, std::shared_ptr<PyEmbeddings> embeddings,
              const std::vector<std::string>& corpus, std::optional<uint64_t> seed,
              const std::map<std::string, std::string>& params)
      : embeddings_(std::move(embeddings)), eps_(eps) {
    auto info = find_mechanism(name);
    if (!info.ok()) throw py::value_error(info.error().message());
    if (Status ok = check_epsilon(eps); !ok)
      throw py::value_error(ok.error().wrap("eps").message());
    if ((*info)->needs_corpus && corpus.empty()) {
      throw py::value_error(fmt::format(
          "{}: builds its vocabulary from a task corpus: give corpus= (texts or a question file)",
          name));
    }
    if (seed) {
      seed_ = *seed;
    } else {
      // The seed is a secret key of the mechanism's randomness (docs/mechanisms.md).
      auto drawn = os_entropy_seed();
      if (!drawn.ok()) throw EngineError(drawn.error().message());
      seed_ = *drawn;
    }
    Result<std::shared_ptr<const Mechanism>> built = Error("");
    {
      py::gil_scoped_release unlocked;
      built = create_mechanism(name, params, embeddings_->table, corpus);
    }
    if (!built.ok()) throw py::value_error(built.error().message());
    mechanism_ = *built;
  }

  const std::string& name() const { return mechanism_->name(); }
  double eps() const { return eps_; }
  const std::map<std::string, std::string>& params() const { return mechanism_->params().all(); }

  // Text i's stream is keyed as the command line keys a question's, with the
  // call's ordinal as the repeat: the first call with the question ids
  // gives `privqa sanitize --dataset`'s output for the same seed, and later
  // calls draw afresh.
  std::vector<SanitizedText> sanitize_many(const std::vector<std::string>& texts,
                                           const std::vector<std::string>& ids, unsigned threads) {
    const uint64_t call = calls_++;
    std::vector<SanitizedText> out(texts.size());
    const std::vector<std::string_view> views(texts.begin(), texts.end());
    py::gil_scoped_release unlocked;
    for_each_prepared_text(mechanism_.get(), views, threads, [&](size_t i) {
      Rng rng = cell_rng(seed_, ids[i], "sanitize", name(), eps_, call);
      // eps was checked when the mechanism was made.
      out[i] = *mechanism_->sanitize(texts[i], eps_, rng);
    });
    return out;
  }

  py::dict distribution(const std::string& word) const {
    const auto* channel = dynamic_cast<const WordChannel*>(mechanism_.get());
    if (!channel) {
      throw py::value_error(fmt::format(
          "{}: no closed-form output distribution (santext, santext+, custext, custext+ and "
          "tem have one)",
          name()));
    }
    const EmbeddingTable& table = embeddings_->table;
    const auto row = word_row(table, word);
    const auto& inputs = channel->channel_inputs();
    if (!row || std::find(inputs.begin(), inputs.end(), *row) == inputs.end()) {
      throw py::value_error(fmt::format(
          "{}: '{}' is not a word the mechanism samples (its vocabulary or mapped words); "
          "others are kept or replaced without eps",
          name(), word));
    }
    const uint32_t x = *row;
    const auto rows = channel->channel_rows({&x, 1}, eps_);
    py::dict out;
    for (const auto& [y, p] : rows.front())
      out[py::str(table.word(y))] = p;
    return out;
  }

 private:
  std::shared_ptr<PyEmbeddings> embeddings_;  // the mechanism refers to its table
  std::shared_ptr<const Mechanism> mechanism_;
  double eps_;
  uint64_t seed_ = 0;
  std::atomic<uint64_t> calls_{0};
};

py::dict stats_dict(const SanitizeStats& s) {
  py::dict d;
  d["words"] = s.words;
  d["numbers"] = s.numbers;
  d["replaced"] = s.replaced;
  d["kept"] = s.kept;
  d["dropped"] = s.dropped;
  d["oov"] = s.oov;
  d["sampled"] = s.sampled;
  d["eps_spent"] = s.eps_spent;
  return d;
}

}  // namespace

void bind_mechanism(py::module_& m) {
  py::class_<PyMechanism>(m, "_Mechanism")
      .def(py::init<const std::string&, double, std::shared_ptr<PyEmbeddings>,
                    const std::vector<std::string>&, std::optional<uint64_t>,
                    const std::map<std::string, std::string>&>(),
           py::arg("name"), py::arg("eps"), py::arg("embeddings"), py::arg("corpus"),
           py::arg("seed"), py::arg("params"))
      .def_property_readonly("name", &PyMechanism::name)
      .def_property_readonly("eps", &PyMechanism::eps)
      .def_property_readonly("params", &PyMechanism::params)
      .def(
          "sanitize_many",
          [](PyMechanism& self, const std::vector<std::string>& texts,
             const std::vector<std::string>& ids, unsigned threads, bool with_stats) {
            if (ids.size() != texts.size()) {
              throw py::value_error(
                  fmt::format("ids: {} given for {} texts", ids.size(), texts.size()));
            }
            if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
            const auto results = self.sanitize_many(texts, ids, threads);
            py::list out;
            for (const SanitizedText& r : results) {
              if (with_stats) {
                out.append(py::make_tuple(r.text, stats_dict(r.stats)));
              } else {
                out.append(r.text);
              }
            }
            return out;
          },
          py::arg("texts"), py::arg("ids"), py::arg("threads"), py::arg("with_stats"))
      .def("distribution", &PyMechanism::distribution, py::arg("word"));
  m.def("mechanism_names", [] {
    py::list out;
    for (const MechanismInfo& info : mechanism_catalog())
      out.append(py::make_tuple(info.name, info.word_level, info.needs_corpus, info.summary));
    return out;
  });
}

}  // namespace privqa::python
