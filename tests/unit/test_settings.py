"""Configuration comes from the environment template.yaml sets, with the seed's defaults."""

from collections.abc import Iterator

import pytest

from dynamo_tables.settings import Settings, get_settings


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_are_the_seed_names_and_statuses(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIMPLE_TABLE_NAME", "COMPLEX_TABLE_NAME", "RECORD_STATUSES"):
        monkeypatch.delenv(name, raising=False)

    assert get_settings() == Settings("SimpleSchemaTableName", "ComplexSchemaTableName", ("green", "red"))


def test_the_template_environment_overrides_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIMPLE_TABLE_NAME", "stack-SimpleTable-ABC")
    monkeypatch.setenv("COMPLEX_TABLE_NAME", "stack-ComplexTable-DEF")
    monkeypatch.setenv("RECORD_STATUSES", " green, amber ,red,")

    assert get_settings() == Settings(
        "stack-SimpleTable-ABC", "stack-ComplexTable-DEF", ("green", "amber", "red")
    )


def test_an_empty_endpoint_variable_means_aws_own_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    # template.yaml declares AWS_ENDPOINT_URL_DYNAMODB="" so sam local can override it;
    # deployed, botocore must ignore the empty value.
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "")

    assert boto3.client("dynamodb", region_name="eu-west-1").meta.endpoint_url == (
        "https://dynamodb.eu-west-1.amazonaws.com"
    )
