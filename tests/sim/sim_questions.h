// A handful of hand-written multiple-choice questions for the simulator's
// tests, with distinct vocabularies so retrieval can tell them apart.
#pragma once

#include <vector>

#include "privqa/data/question.h"

namespace privqa::testing {

inline std::vector<Question> sim_test_questions() {
  auto q = [](const char* id, const char* text, std::vector<std::string> options, int answer) {
    Question question;
    question.id = id;
    question.text = text;
    question.options = std::move(options);
    question.answer = answer;
    return question;
  };
  return {
      q("q1", "Which vitamin deficiency causes scurvy with bleeding gums and poor wound healing?",
        {"Vitamin A", "Vitamin C", "Vitamin D", "Vitamin K"}, 1),
      q("q2",
        "The most common site of ectopic pregnancy is the fallopian tube ampulla or which part?",
        {"Isthmus", "Ampulla", "Ovary", "Cervix"}, 1),
      q("q3",
        "Drug of choice for absence seizures in a child with typical three per second spike "
        "wave discharges on electroencephalogram",
        {"Phenytoin", "Carbamazepine", "Ethosuximide", "Phenobarbital"}, 2),
      q("q4", "Koplik spots on the buccal mucosa are pathognomonic of which viral infection?",
        {"Measles", "Mumps", "Rubella", "Varicella"}, 0),
      q("q5", "Which nerve is injured in a fracture of the surgical neck of the humerus?",
        {"Radial nerve", "Axillary nerve", "Ulnar nerve", "Median nerve"}, 1),
      q("q6", "Reed-Sternberg cells are characteristic histological findings of which lymphoma?",
        {"Hodgkin lymphoma", "Burkitt lymphoma", "Follicular lymphoma", "Mantle cell lymphoma"}, 0),
      q("q7", "Antidote used for paracetamol overdose causing hepatotoxicity in adults",
        {"Naloxone", "Flumazenil", "N-acetylcysteine", "Atropine"}, 2),
      q("q8", "Which enzyme is deficient in classic phenylketonuria presenting with musty odour?",
        {"Tyrosinase", "Phenylalanine hydroxylase", "Homogentisate oxidase",
         "Cystathionine synthase"},
        1),
  };
}

}  // namespace privqa::testing
