from proposals import domain, services


def example_inputs(**changes) -> domain.Inputs:
    """The reference's worked example (§9): IRR 3.5 %, below the floor at 2.40 元/m³."""
    fields = {
        "departments": {"general_ward": 280, "icu": 12, "operating_room": 8},
        "lox_t_per_year": 150,
        "cny_per_t_lox": 1800,
        "price": 2.40,
        "term_years": 10,
    }
    return domain.Inputs(**{**fields, **changes})


def viable_inputs(**changes) -> domain.Inputs:
    """A hospital on dear cylinders: a price exists that suits both sides."""
    return example_inputs(
        lox_t_per_year=None,
        cny_per_t_lox=None,
        cylinders_per_year=30_000,
        cny_per_cylinder=45,
        price=5.0,
        **changes,
    )


def make_proposal(project, by=None, inputs=None, overrides=None, **terms):
    return services.create_proposal(
        project=project,
        by=by or project.owner,
        inputs=inputs or viable_inputs(),
        overrides=overrides,
        terms=terms,
    )
