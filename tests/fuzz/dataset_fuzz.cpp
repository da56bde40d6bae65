// Fuzzes load_dataset: MedMCQA, MedQA and generic JSONL/CSV files, strict and
// lenient.
//
// Input layout: byte 0 chooses the load options (see below); with its top bit
// set, the next line is a field mapping spec ("question=q,options=a|b,...")
// for the generic formats; the rest is the file's contents.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "privqa/data/dataset.h"
#include "scratch_file.h"

namespace {

constexpr privqa::DatasetFormat kFormats[] = {
    privqa::DatasetFormat::kAuto, privqa::DatasetFormat::kMedMCQA, privqa::DatasetFormat::kMedQA,
    privqa::DatasetFormat::kJsonl, privqa::DatasetFormat::kCsv};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The extension decides between JSON and CSV when the format is auto.
  static const privqa::fuzz::ScratchFile json_file("input.jsonl");
  static const privqa::fuzz::ScratchFile csv_file("input.csv");
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);

  privqa::LoadOptions options;
  options.format = kFormats[(selector & 7) % 5];
  switch ((selector >> 3) & 3) {
    case 1:
      options.answer_base = 0;
      break;
    case 2:
      options.answer_base = 1;
      break;
    case 3:
      options.answer_base = 2;  // invalid: must be refused, not used
      break;
    default:
      break;
  }
  options.strict = (selector & 0x20) == 0;
  const bool csv_name = (selector & 0x40) != 0;
  if ((selector & 0x80) != 0) {
    const size_t eol = rest.find('\n');
    if (eol == std::string_view::npos) return 0;
    auto mapping = privqa::parse_field_mapping(std::string(rest.substr(0, eol)));
    if (!mapping) return 0;
    options.mapping = *mapping;
    rest.remove_prefix(eol + 1);
  }

  const privqa::fuzz::ScratchFile& file = csv_name ? csv_file : json_file;
  file.write(reinterpret_cast<const uint8_t*>(rest.data()), rest.size());
  auto dataset = privqa::load_dataset(file.path(), options);
  if (!dataset) return 0;

  // Touch what callers read so that a malformed Question shows up here.
  for (const auto& q : dataset->questions) {
    if (q.labelled() && static_cast<size_t>(q.answer) >= q.options.size()) __builtin_trap();
    (void)q.answer_letter();
    (void)q.meta_value("choice_type");
  }
  for (const auto& p : dataset->problems)
    (void)p.describe(file.path());
  (void)dataset->skipped_by_reason();
  privqa::QuestionFilter filter;
  filter.sample_n = 2;
  (void)privqa::apply_filter(dataset->questions, filter);
  return 0;
}
