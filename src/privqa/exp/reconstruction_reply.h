// Reading an attack cell's reply (scenarios A1, A2; docs/privacy.md): the
// attacker's reconstruction of the original question, and A2's answer.
//
//   "Question: <reconstruction>\nAnswer: <letter or answer>"
//
// A line starting with "Question:" or "Answer:" (any case) opens a section
// that runs to the next such line. The reconstruction is the last Question
// section (or, without one, the lines before the first Answer section); the
// answer is the last Answer section, for parse_answer (answer_parser.h).
// Both without their label, trimmed; empty when absent.
#pragma once

#include <string>
#include <string_view>

namespace privqa {

struct ReconstructionReply {
  std::string question;
  std::string answer;
};

ReconstructionReply read_reconstruction_reply(std::string_view reply);

}  // namespace privqa
