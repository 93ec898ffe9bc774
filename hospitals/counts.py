"""Hospitals and contacts counted by the summaries (decision 0029): the 工作台's counts, and
the page totals of the unfiltered lists (a COUNT of 100,000 contacts or 160,000 departments is
a scan of the table, the summary's cells are one row for the director and a few for a team)."""

from __future__ import annotations

from django.db.models import Count

from o2crm import summaries

from .models import Contact, Department, Hospital


def contact_owner(row: Contact | Department) -> list[int | None]:
    """Whose a contact or a department is: its hospital's owner (decision 0003)."""
    return list(Hospital.objects.filter(pk=row.hospital_id).values_list("owner_id", flat=True))


# Hospitals by owner, province and status (the 公海's under owner 0), and contacts and
# departments by their hospital's owner and province.
HOSPITALS = summaries.register(
    summaries.Summary(
        topic="hospitals",
        rows=lambda: Hospital.objects.all(),
        province="province",
        key="status",
        measures={"n": Count("*")},
        sources={Hospital: None},  # a hospital counts for its own owner
    )
)
CONTACTS = summaries.register(
    summaries.Summary(
        topic="contacts",
        rows=lambda: Contact.objects.all(),
        owner="hospital__owner_id",
        province="hospital__province",
        measures={"n": Count("*")},
        sources={Contact: contact_owner, Hospital: None},
    )
)
DEPARTMENTS = summaries.register(
    summaries.Summary(
        topic="departments",
        rows=lambda: Department.objects.all(),
        owner="hospital__owner_id",
        province="hospital__province",
        measures={"n": Count("*")},
        sources={Department: contact_owner, Hospital: None},
    )
)
