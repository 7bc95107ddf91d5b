import pytest
from ansible_collections.evaonline.deploy.plugins.module_utils.sizes import (
    SizeError,
    format_size,
    parse_size,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (0, 0),
        (4096, 4096),
        ("4096", 4096),
        ("512B", 512),
        ("600MB", 600_000_000),
        ("600 mb", 600_000_000),
        ("1kB", 1000),
        ("1KB", 1000),
        ("1KiB", 1024),
        ("120 MiB", 120 * 1024**2),
        ("0.6GiB", 644_245_094),  # 644245094.4 rounds half up to whole bytes
        ("0.6GB", 600_000_000),
        ("1.5 GB", 1_500_000_000),
        ("2G", 2_000_000_000),
        ("2Gi", 2 * 1024**3),
        ("1TiB", 1024**4),
        (" 7 MB ", 7_000_000),
        (".5MB", 500_000),
        (1.0, 1),
    ],
)
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_parse_size_is_exact_for_large_fractions():
    # float arithmetic would give 1288490188.7999999 -> 1288490188
    assert parse_size("1.2GiB") == 1288490189
    assert parse_size("0.1GB") == 100_000_000


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (-1, "must not be negative"),
        ("-5MB", "must not be negative"),
        ("12 parsecs", "unknown unit 'parsecs'"),
        ("5 XB", "unknown unit 'XB'"),
        ("MB", "expected a number"),
        ("1.2.3MB", "expected a number"),
        ("", "expected a number"),
        (True, "expected bytes"),
        (None, "expected bytes"),
        ([1], "expected bytes"),
    ],
)
def test_parse_size_errors(value, fragment):
    with pytest.raises(SizeError) as exc:
        parse_size(value)
    assert fragment in str(exc.value)


@pytest.mark.parametrize(
    ("num", "units", "text"),
    [
        (0, "si", "0 B"),
        (999, "si", "999 B"),
        (1000, "si", "1 kB"),
        (600_000_000, "si", "600 MB"),
        (610_000_000, "si", "610 MB"),
        (1_210_000_000, "si", "1.21 GB"),
        (2_090_000_000, "si", "2.09 GB"),
        (37_550_628, "si", "37.6 MB"),
        (1024**3, "iec", "1 GiB"),
        (int(1.5 * 1024**2), "iec", "1.5 MiB"),
        (-2_000_000, "si", "-2 MB"),
    ],
)
def test_format_size(num, units, text):
    assert format_size(num, units) == text
