// Adjusting the p-values of a family of tests for their number, so that a
// table of many comparisons does not report chance findings as significant.
// Both take the family's p-values in any order and return the adjusted values
// in the same order; an empty family gives an empty result.
#pragma once

#include <vector>

namespace privqa::report {

// Holm (1979) step-down adjusted p-values, which control the family-wise
// error rate: with p(1) <= ... <= p(m) sorted,
// adj p(i) = max over j <= i of min(1, (m - j + 1) p(j)).
std::vector<double> holm_adjust(const std::vector<double>& p);

// Benjamini & Hochberg (1995) q-values, which control the false discovery
// rate: q(i) = min over j >= i of min(1, m p(j) / j).
std::vector<double> benjamini_hochberg(const std::vector<double>& p);

}  // namespace privqa::report
