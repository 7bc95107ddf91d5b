"""Unit tests for the type_problems filter."""

from ansible_collections.evaonline.deploy.plugins.filter.spec import type_problems

SPEC = {
    "stack_profiles": {"type": "list", "elements": "str"},
    "stack_resources": {"type": "dict"},
    "stack_http_port": {"type": "int"},
    "stack_dir": {},
}


def test_strings_given_for_lists_and_mappings_are_named_with_the_type_expected():
    values = {"stack_profiles": "monitoring", "stack_resources": "api=1G", "stack_http_port": "80"}
    assert type_problems(SPEC, values) == [
        "stack_profiles must be a list, such as [a, b] (got the string 'monitoring')",
        "stack_resources must be a mapping, such as {key: value} (got the string 'api=1G')",
    ]


def test_right_types_and_absent_inputs_pass():
    assert type_problems(SPEC, {"stack_profiles": [], "stack_resources": {}, "x": 1}) == []
    assert type_problems(SPEC, {"stack_profiles": None}) == []


def test_numbers_and_booleans_are_described():
    assert type_problems(SPEC, {"stack_profiles": 3, "stack_resources": True}) == [
        "stack_profiles must be a list, such as [a, b] (got the number 3)",
        "stack_resources must be a mapping, such as {key: value} (got the boolean True)",
    ]


def test_budget_problems_name_each_bad_budget():
    from ansible_collections.evaonline.deploy.plugins.filter.spec import budget_problems

    good = [{"pattern": "evaonline-runtime:*", "max_size": "900MB"}]
    assert budget_problems(good, "2GB") == []
    assert budget_problems(
        [{"max_size": "1GB"}, {"pattern": "x", "max_size": "big"}, {"pattern": "y"}], "lots"
    ) == [
        "evaonline_image_budgets[0] needs a pattern and a max_size",
        'evaonline_image_budgets[1].max_size must be a size such as 400MB or 0.5GiB (got "big")',
        "evaonline_image_budgets[2].max_size must be a size such as 400MB or 0.5GiB (got null)",
        'evaonline_total_budget must be a size such as 2GB (got "lots")',
    ]
