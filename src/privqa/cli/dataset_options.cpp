#include "privqa/cli/dataset_options.h"

namespace privqa::cli {

void add_dataset_options(CLI::App* cmd, DatasetOptionArgs& args, const std::string& what) {
  cmd->add_option(args.format_flag, args.format,
                  "format of " + what + ": auto, medmcqa, medqa, jsonl or csv")
      ->capture_default_str();
  cmd->add_option("--answer-base", args.answer_base,
                  "MedMCQA: 'cop' counts from 0 (HuggingFace copy) or 1 (original release)")
      ->check(CLI::IsMember({0, 1}));
  cmd->add_option("--map", args.mapping,
                  "field mapping of " + what +
                      " (jsonl/csv), e.g. question=q,options=A|B|C|D,answer=ans,"
                      "answer_encoding=letter (docs/datasets.md)");
}

Result<LoadOptions> dataset_load_options(const DatasetOptionArgs& args) {
  LoadOptions o;
  auto format = parse_dataset_format(args.format);
  if (!format) return format.error().wrap(args.format_flag);
  o.format = *format;
  if (args.answer_base >= 0) o.answer_base = args.answer_base;
  if (!args.mapping.empty()) {
    auto mapping = parse_field_mapping(args.mapping);
    if (!mapping) return mapping.error().wrap("--map");
    o.mapping = *mapping;
  }
  o.setting_names = {args.format_flag, "--map", "--answer-base", ""};
  return o;
}

}  // namespace privqa::cli
