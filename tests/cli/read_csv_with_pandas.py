#!/usr/bin/env python3
"""Reads each CSV named on the command line with pandas.read_csv and its
default options, as a researcher would, and checks what report_cli_test
relies on: the header is the first line, "simulated" reads as booleans (all
true: the runs are simulated), and eps is empty (NaN) outside S3 and a
positive number in S3. Prints "NAME ROWS" per file; exits 1 on the first
file that fails, 3 when pandas is missing."""
import os
import sys

try:
    import pandas as pd
except ImportError:
    print("python3-pandas is missing (scripts/setup.sh installs it)")
    sys.exit(3)

for path in sys.argv[1:]:
    name = os.path.basename(path)
    try:
        df = pd.read_csv(path)
        first = "run_id" if name.startswith("cells") else "run"
        assert df.columns[0] == first, f"first column {df.columns[0]!r}, expected {first!r}"
        assert "simulated" in df.columns, "no column simulated"
        if df.empty:  # a header alone (e.g. privacy.csv with --no-privacy) has no types
            print(name, 0)
            continue
        assert df["simulated"].dtype == bool, f"simulated reads as {df['simulated'].dtype}"
        assert df["simulated"].all(), "a run reads as not simulated"
        if "scenario" in df.columns and "eps" in df.columns:
            s3 = df["scenario"] == "S3"
            assert df.loc[~s3, "eps"].isna().all(), "eps given outside S3"
            assert (df.loc[s3, "eps"] > 0).all(), "an S3 row without a positive eps"
    except Exception as e:  # one line naming the file, for the test's message
        print(f"{name}: {type(e).__name__}: {e}")
        sys.exit(1)
    print(name, len(df))
