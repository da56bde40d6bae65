// A multiple-choice question, whatever file it came from.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace privqa {

struct Question {
  std::string id;                    // unique within its dataset
  std::string text;                  // the question stem
  std::vector<std::string> options;  // option i has letter 'A' + i
  int answer = -1;                   // 0-based index into options; -1 = unlabelled
  std::string subject;               // e.g. MedMCQA subject_name; may be empty
  std::string topic;                 // e.g. MedMCQA topic_name; may be empty
  // A passage the question is asked about (PubMedQA's abstract); empty when
  // none. A list of passages is joined with newlines.
  std::string context;
  // Other scalar fields of the record as text (choice_type, exp, meta_info, ...).
  std::map<std::string, std::string> meta;

  bool labelled() const { return answer >= 0; }
  // 'A' + answer, or '?' when unlabelled.
  char answer_letter() const { return labelled() ? static_cast<char>('A' + answer) : '?'; }
  // The value of meta[key], or "" when absent.
  const std::string& meta_value(const std::string& key) const;
};

}  // namespace privqa
