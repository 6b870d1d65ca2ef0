"""Classify sentences and report PDFs on Spark, with the same model and results as ``classify()``.

Two entry points, both plain PySpark (local mode, Databricks, EMR, Dataproc alike):

``finding_udf(model=None)``
    a pandas UDF: a column of sentences in, a struct column out (area, polarity, confidence,
    area_confidence, polarity_confidence, is_finding). Each Python worker loads the model once
    and keeps it while Spark reuses the worker (``spark.python.worker.reuse``, on by default);
    every batch of rows then goes through ``ofsted_nlp.classify``, so a row gets exactly what
    ``classify(sentence)`` gives it. Null, empty and whitespace-only sentences give a struct
    whose fields are all null instead of failing the whole job.

``classify_pdfs(spark, path, model=None)``
    reads report PDFs with Spark's ``binaryFile`` source and returns one row per finding with
    its provenance (path, sentence id, section, paragraph, page); a file that cannot be read
    as a report gives one row with ``error`` set and no finding.

``model`` is None (the default model shipped in the package, present on every executor that
has ofsted_nlp installed) or a model reference every executor can resolve: a directory on a
shared file system (``/dbfs/...``, an NFS mount) or an MLflow ``models:/`` / ``runs:/`` URI
with ``MLFLOW_TRACKING_URI`` set on the executors. A loaded model object is refused: Spark
would have to pickle it to ship it.

pyspark is imported inside the functions, so ``import ofsted_nlp.spark`` needs only pandas.
"""
from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyspark.sql import Column, DataFrame, SparkSession

FINDING_FIELDS: tuple[tuple[str, str], ...] = (
    ("area", "string"),
    ("polarity", "string"),
    ("confidence", "double"),
    ("area_confidence", "double"),
    ("polarity_confidence", "double"),
    ("is_finding", "boolean"),
)
#: DDL of the struct ``finding_udf`` returns.
FINDING_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in FINDING_FIELDS)

PDF_FINDING_FIELDS: tuple[tuple[str, str], ...] = (
    ("path", "string"),
    ("report_id", "string"),
    ("sentence_id", "string"),
    ("position", "int"),
    ("text", "string"),
    *FINDING_FIELDS,
    ("section", "string"),
    ("section_area", "string"),
    ("paragraph_number", "int"),
    ("page", "int"),
    ("error", "string"),
)
#: DDL of the rows ``classify_pdfs`` returns (one per finding, or one per unreadable file).
PDF_FINDING_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in PDF_FINDING_FIELDS)


def _check_model_reference(model: Any) -> str | None:
    if model is None:
        return None
    if isinstance(model, (str, os.PathLike)):
        return os.fspath(model)
    raise InputError(
        f"model must be None (the default model), a model directory or an MLflow model URI that every "
        f"executor can reach, not a loaded {type(model).__name__}: Spark would have to pickle it"
    )


@functools.lru_cache(maxsize=4)
def _loaded_model(model: str | None) -> Any:
    """The model in this Python worker, loaded on first use and kept for the worker's lifetime."""
    from . import get_model

    return get_model(model)


def classify_series(texts: pd.Series, model: str | None = None) -> pd.DataFrame:
    """The body of ``finding_udf``: one row per sentence, the FINDING_FIELDS columns.

    Rows whose sentence is null, not a str, or blank are all-null. Usable without Spark
    (e.g. in ``pandas.DataFrame.pipe`` or a Dask ``map_partitions``).
    """
    import pandas as pd

    from . import classify

    columns = [name for name, _ in FINDING_FIELDS]
    out = pd.DataFrame({name: pd.Series([None] * len(texts), dtype=object) for name in columns},
                       index=range(len(texts)))
    positions = [i for i, text in enumerate(texts) if isinstance(text, str) and text.strip()]
    if positions:
        findings = classify([texts.iloc[i] for i in positions], model=_loaded_model(model), progress=False)
        for name in columns:
            out.loc[positions, name] = pd.Series(
                [_finding_value(finding, name) for finding in findings], index=positions, dtype=object)
    for name, kind in FINDING_FIELDS:
        if kind == "double":
            out[name] = out[name].astype("float64")
        elif kind == "boolean":
            out[name] = out[name].astype("boolean")
    return out


def _finding_value(finding: Any, name: str) -> Any:
    value = getattr(finding, name)
    return float(value) if isinstance(value, float) else value


def finding_udf(model: str | os.PathLike | None = None) -> Any:
    """A pandas UDF classifying a string column; returns a struct column (``FINDING_SCHEMA``).

    >>> classify_udf = finding_udf()
    >>> sentences.withColumn("finding", classify_udf("text")).select("id", "text", "finding.*")
    """
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    reference = _check_model_reference(model)

    def classify_finding(texts: pd.Series) -> pd.DataFrame:
        return classify_series(texts, reference)

    # Real classes, not the strings `from __future__ import annotations` leaves: Spark reads
    # the hints to choose the UDF kind (Series -> DataFrame: a scalar UDF returning a struct).
    classify_finding.__annotations__ = {"texts": pd.Series, "return": pd.DataFrame}
    return pandas_udf(FINDING_SCHEMA)(classify_finding)  # type: ignore[call-overload]


def classify_column(frame: DataFrame, column: str = "text", model: str | os.PathLike | None = None,
                    prefix: str = "") -> DataFrame:
    """``frame`` with the FINDING_FIELDS columns added (named ``prefix + field``) for ``column``."""
    from pyspark.sql.functions import col

    struct_name = f"__{prefix}finding"
    with_struct = frame.withColumn(struct_name, finding_udf(model)(col(column)))
    return with_struct.select(
        "*", *(col(f"{struct_name}.{name}").alias(f"{prefix}{name}") for name, _ in FINDING_FIELDS)
    ).drop(struct_name)


def classify_pdfs(spark: SparkSession, path: str | os.PathLike | list[str], model: str | os.PathLike | None = None,
                  *, path_glob_filter: str = "*.pdf", recursive: bool = True) -> DataFrame:
    """Findings of every report PDF under ``path`` (a folder, a glob or a list of files).

    Files are read with ``spark.read.format("binaryFile")``; each executor writes a file's
    bytes to a temporary file, reads it with ``classify(Path(...))`` and yields one row per
    finding in report order (``position`` 0, 1, ...), or one row with ``error`` set when the
    file is not a readable children's services report.
    """
    reader = (spark.read.format("binaryFile").option("pathGlobFilter", path_glob_filter)
              .option("recursiveFileLookup", str(recursive).lower()))
    paths = [os.fspath(p) for p in path] if isinstance(path, list) else os.fspath(path)
    files = reader.load(paths).select("path", "content")
    return classify_binary_files(files, model)


def classify_binary_files(files: DataFrame, model: str | os.PathLike | None = None) -> DataFrame:
    """Findings of a DataFrame with ``path`` and ``content`` (binary) columns, as ``classify_pdfs``."""
    reference = _check_model_reference(model)

    def classify_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for file_path, content in zip(batch["path"], batch["content"]):
                yield pdf_findings_frame(file_path, bytes(content), reference)

    return files.select("path", "content").mapInPandas(classify_partition, PDF_FINDING_SCHEMA)


def pdf_findings_frame(file_path: str, content: bytes, model: str | None = None) -> pd.DataFrame:
    """One row per finding of one PDF given as bytes (PDF_FINDING_FIELDS columns)."""
    import pandas as pd

    from . import classify
    from .errors import OfstedNLPError

    columns = [name for name, _ in PDF_FINDING_FIELDS]
    with tempfile.TemporaryDirectory(prefix="ofsted_nlp_spark_") as tmp:
        local = Path(tmp) / (Path(str(file_path)).name or "report.pdf")
        local.write_bytes(content)
        try:
            report = classify(local, model=_loaded_model(model), progress=False)
        except OfstedNLPError as exc:
            reason = getattr(exc, "reason", None) or str(exc)
            row: dict[str, Any] = dict.fromkeys(columns)
            row.update(path=str(file_path), error=str(reason))
            return _typed(pd.DataFrame([row], columns=columns))
    rows = []
    for position, finding in enumerate(report.findings):
        provenance = finding.provenance
        row = {
            "path": str(file_path),
            "report_id": report.report_id,
            "sentence_id": getattr(provenance, "sentence_id", None),
            "position": position,
            "text": finding.text,
            **{name: _finding_value(finding, name) for name, _ in FINDING_FIELDS},
            "section": getattr(provenance, "section", None),
            "section_area": getattr(provenance, "section_area", None),
            "paragraph_number": getattr(provenance, "paragraph_number", None),
            "page": getattr(provenance, "page", None),
            "error": None,
        }
        rows.append(row)
    return _typed(pd.DataFrame(rows, columns=columns))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Column dtypes Arrow maps onto PDF_FINDING_SCHEMA even when a column is all null."""
    kinds = {"string": "object", "int": "Int32", "double": "float64", "boolean": "boolean"}
    return frame.astype({name: kinds[kind] for name, kind in PDF_FINDING_FIELDS})
