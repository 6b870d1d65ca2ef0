"""ofsted_nlp.spark in pyspark local mode gives exactly what classify() gives, for a column of
sentences (>= 10,000) and for a folder of report PDFs read with the binaryFile source."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import ofsted_nlp
from ofsted_nlp import classify

from .pdf_factory import make_ilacs_report, make_sif_report, make_unrelated_pdf

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # pyspark's own notes about pandas 3 (it works; these are not ours to fix)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "labelled_data" / "gold.jsonl"
MIN_SENTENCES = 10_000


def _java_available() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (java_home and (Path(java_home) / "bin" / "java").exists()))


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'ofsted-nlp[spark]')")
    if not _java_available():
        pytest.skip("no Java runtime for Spark (apt-get install -y default-jre-headless)")
    from pyspark.sql import SparkSession

    # Spark's Python workers are separate processes started by the JVM: they must import this
    # ofsted_nlp (the checkout under test), not another copy installed in site-packages.
    package_root = str(Path(ofsted_nlp.__file__).resolve().parent.parent)
    old_path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, old_path) if p)
    session = (SparkSession.builder.master("local[2]").appName("ofsted_nlp-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.driver.host", "127.0.0.1")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
        if old_path is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old_path


def gold_sentences(n: int = MIN_SENTENCES) -> list[str]:
    if not GOLD.exists():
        pytest.skip(f"{GOLD} is not in this checkout")
    texts = [json.loads(line)["text"] for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    repeats = -(-n // len(texts))
    return (texts * repeats)[:max(n, len(texts))]


def test_udf_over_ten_thousand_sentences_equals_classify(spark):
    from ofsted_nlp.spark import FINDING_FIELDS, classify_column

    texts = gold_sentences()
    assert len(texts) >= MIN_SENTENCES
    frame = spark.createDataFrame(list(enumerate(texts)), "id long, text string").repartition(4)
    rows = classify_column(frame).orderBy("id").toPandas()
    expected = classify(texts, progress=False)

    assert list(rows["id"]) == list(range(len(texts)))
    assert list(rows["text"]) == texts
    for name, kind in FINDING_FIELDS:
        got = list(rows[name])
        want = [getattr(finding, name) for finding in expected]
        if kind == "double":
            assert got == pytest.approx(want, rel=0, abs=1e-12), name
        else:
            assert [bool(v) if kind == "boolean" else v for v in got] == want, name


def test_udf_gives_null_for_null_and_blank_sentences(spark):
    from ofsted_nlp.spark import finding_udf

    sentence = "Care leavers are supported well by personal advisers who know them well."
    frame = spark.createDataFrame([(0, sentence), (1, None), (2, ""), (3, "   ")], "id int, text string")
    rows = frame.withColumn("finding", finding_udf()("text")).orderBy("id").collect()
    expected = classify(sentence)
    assert rows[0]["finding"]["area"] == expected.area
    assert rows[0]["finding"]["polarity"] == expected.polarity
    for row in rows[1:]:
        assert all(value is None for value in row["finding"].asDict().values()), row


def test_udf_refuses_a_loaded_model_object():
    from ofsted_nlp.errors import InputError
    from ofsted_nlp.spark import finding_udf

    with pytest.raises(InputError, match="pickle"):
        finding_udf(model=ofsted_nlp.get_model())


def test_pdf_paths_read_with_binary_file_equal_classify(spark, tmp_path):
    from ofsted_nlp.spark import FINDING_FIELDS, classify_pdfs

    folder = tmp_path / "reports"
    folder.mkdir()
    reports = [
        make_ilacs_report(folder / "2022-06-01_exampleshire_12345.pdf"),
        make_sif_report(folder / "2016-03-01_example_borough_67890.pdf"),
    ]
    unrelated = make_unrelated_pdf(folder / "minutes.pdf")
    rows = classify_pdfs(spark, str(folder)).toPandas()

    for path in reports:
        expected = classify(path, progress=False)
        mine = rows[rows["path"].str.endswith("/" + path.name)].sort_values("position")
        assert len(expected.findings) > 0
        assert list(mine["error"].isna()) == [True] * len(mine)
        assert list(mine["position"]) == list(range(len(expected.findings)))
        assert list(mine["text"]) == [f.text for f in expected.findings]
        assert list(mine["sentence_id"]) == [f.provenance.sentence_id for f in expected.findings]
        assert list(mine["page"]) == [f.provenance.page for f in expected.findings]
        assert set(mine["report_id"]) == {expected.report_id}
        for name, kind in FINDING_FIELDS:
            want = [getattr(f, name) for f in expected.findings]
            if kind == "double":
                assert list(mine[name]) == pytest.approx(want, rel=0, abs=1e-12), name
            else:
                assert [bool(v) if kind == "boolean" else v for v in mine[name]] == want, name

    bad = rows[rows["path"].str.endswith("/" + unrelated.name)]
    assert len(bad) == 1
    assert bad["error"].iloc[0]
    assert bad["area"].isna().all()
