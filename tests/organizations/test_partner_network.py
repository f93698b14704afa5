"""An intermediary's partner network: adding firms one by one or from a CSV file through a
preview, the invitation e-mail, and the invited firm's filled-in registration."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.organizations import partner_csv, selectors, services
from apps.organizations.models import Organization, PartnerImport, Partnership
from tests.factories import (
    IntermediaryFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    corporate_number,
)

pytestmark = pytest.mark.django_db

NEW_A = corporate_number(700001)
NEW_B = corporate_number(700002)
NEW_C = corporate_number(700003)


@pytest.fixture
def intermediary(db):
    return IntermediaryFactory(name_en="Japan Dual-Use Council")


@pytest.fixture
def staff(intermediary):
    return MembershipFactory(organization=intermediary, user__display_name="Keiko Tanaka").user


@pytest.fixture
def registered_firm(db):
    return OrganizationFactory(name_en="Orbit Works K.K.")


def csv_upload(text: str, name="partners.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def upload(client, intermediary, text, **kwargs):
    return client.post(
        reverse("organizations:partner_import", args=[intermediary.pk]),
        {"file": csv_upload(text, **kwargs)},
    )


# --- Reading the file ------------------------------------------------------------------


def test_each_bad_row_is_reported_with_its_reason():
    parsed = partner_csv.parse(
        (
            "name,email,corporate_number\n"
            f"Good Optics,info@good.example,{NEW_A}\n"
            f",nobody@x.example,{NEW_B}\n"
            f"Bad Mail,not-an-address,{NEW_C}\n"
            "Bad Number,a@b.example,1234567890123\n"
            f"Twice,twice@good.example,{NEW_A}\n"
        ).encode()
    )
    assert parsed.errors == []
    reasons = {row["line"]: row["errors"] for row in parsed.rows}
    assert reasons[2] == []
    assert reasons[3] == ["The firm name is missing."]
    assert reasons[4] == ["“not-an-address” is not an e-mail address."]
    assert "check digit" in reasons[5][0]
    assert reasons[6] == ["The same Corporate Number is on line 2."]


def test_a_japanese_spreadsheet_in_shift_jis_with_japanese_headers_is_read():
    number = f"{NEW_A[:4]}-{NEW_A[4:]}"
    text = f"会社名,メールアドレス,法人番号\n株式会社光学,ＩＮＦＯ@example.co.jp,{number}\n"
    parsed = partner_csv.parse(text.encode("cp932"))
    assert parsed.errors == []
    (row,) = parsed.rows
    # Full-width letters fold, the address is lower-cased and the hyphen goes.
    assert (row["name"], row["email"], row["corporate_number"]) == (
        "株式会社光学",
        "info@example.co.jp",
        NEW_A,
    )
    assert row["errors"] == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"name,email\nA,a@b.example\n", "missing: corporate_number"),
        (b"name,email,corporate_number\n", "a header row but no firms"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text CSV file"),
    ],
)
def test_a_file_that_cannot_be_used_says_why(data, message):
    parsed = partner_csv.parse(data)
    assert parsed.rows == []
    assert message in parsed.errors[0]


# --- The pages -------------------------------------------------------------------------


def test_import_previews_every_row_then_imports_the_good_ones_in_one_go(
    client, intermediary, staff, registered_firm, django_capture_on_commit_callbacks
):
    Partnership.objects.create(
        intermediary=intermediary, name="Known", email="k@known.example", corporate_number=NEW_C
    )
    client.force_login(staff)
    response = upload(
        client,
        intermediary,
        "name,email,corporate_number\n"
        f"New Optics,ceo@newoptics.example,{NEW_A}\n"
        f"Orbit Works,sales@orbit.example,{registered_firm.corporate_number}\n"
        f"Known again,k@known.example,{NEW_C}\n"
        "Broken,broken@x.example,123\n",
    )
    partner_import = PartnerImport.objects.get()
    preview_url = reverse("organizations:partner_import_preview", args=[partner_import.pk])
    assert response.status_code == 302 and response.url == preview_url
    # Nothing is imported by the upload itself.
    assert Partnership.objects.count() == 1

    page = client.get(preview_url).content.decode()
    assert "1 firm will be invited to register." in page
    assert "1 firm is on the portal already and will be added and told." in page
    assert "1 firm is in your network already and stays as it is." in page
    assert "1 row has mistakes and will be left out." in page
    assert "A Corporate Number has exactly 13 digits; this one has 3." in page
    assert "Import 2 firms" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(preview_url)
    assert response.status_code == 302
    partners = {p.corporate_number: p for p in Partnership.objects.all()}
    assert set(partners) == {NEW_A, NEW_C, registered_firm.corporate_number}
    assert partners[NEW_A].firm is None
    assert partners[registered_firm.corporate_number].firm == registered_firm
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ceo@newoptics.example",
        "sales@orbit.example",
    ]
    invitation = next(m for m in mail.outbox if m.to == ["ceo@newoptics.example"])
    assert "Japan Dual-Use Council invites New Optics to Kakehashi" in invitation.body
    assert partners[NEW_A].get_invitation_url() in invitation.body
    # A second confirmation (a double click) imports nothing twice.
    client.post(preview_url)
    assert Partnership.objects.count() == 3


def test_an_import_is_all_or_nothing(intermediary, staff, monkeypatch):
    """A failure part-way (here: the database refuses the second row) leaves no partner
    and the file still to import."""
    from django.db import IntegrityError

    from apps.organizations.models import Partnership as PartnershipModel

    partner_import, errors = services.partner_import_upload(
        intermediary=intermediary,
        actor=staff,
        filename="p.csv",
        data=(
            f"name,email,corporate_number\nA,a@a.example,{NEW_A}\nB,b@b.example,{NEW_B}\n"
        ).encode(),
    )
    assert errors == []
    manager = PartnershipModel.objects
    original = manager.bulk_create

    def first_then_fail(objects, **kwargs):
        original(objects[:1], **kwargs)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(manager, "bulk_create", first_then_fail)
    with pytest.raises(ValidationError, match="Your network changed"):
        services.partner_import_confirm(partner_import=partner_import, actor=staff, language="en")
    assert Partnership.objects.count() == 0
    partner_import.refresh_from_db()
    assert partner_import.imported_at is None


def test_an_unusable_file_is_refused_with_the_reason_and_nothing_kept(client, intermediary, staff):
    client.force_login(staff)
    response = upload(client, intermediary, "name,email\nA,a@b.example\n")
    assert response.status_code == 400
    assert "missing: corporate_number" in response.content.decode()
    assert PartnerImport.objects.count() == 0


def test_adding_one_partner_keeps_what_was_typed_on_a_mistake(client, intermediary, staff):
    client.force_login(staff)
    url = reverse("organizations:partners", args=[intermediary.pk])
    response = client.post(
        url, {"name": "Typo Optics", "email": "ceo@typo.example", "corporate_number": "123"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "A Corporate Number has exactly 13 digits" in page
    assert 'value="Typo Optics"' in page and 'value="ceo@typo.example"' in page
    assert Partnership.objects.count() == 0


def test_adding_a_partner_twice_is_refused(client, intermediary, staff):
    client.force_login(staff)
    url = reverse("organizations:partners", args=[intermediary.pk])
    data = {"name": "Once Optics", "email": "ceo@once.example", "corporate_number": NEW_A}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert "This firm is already in your network." in response.content.decode()
    assert Partnership.objects.count() == 1


def test_the_invited_firm_registers_with_its_details_filled_in_and_joins_the_network(
    client, intermediary, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        partnership = services.partner_add(
            intermediary=intermediary,
            actor=staff,
            name="株式会社光学",
            email="ceo@hikari.example",
            corporate_number=NEW_A,
        )
    invitee = UserFactory(email="ceo@hikari.example")
    client.force_login(invitee)
    response = client.get(partnership.get_invitation_url())
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Japan Dual-Use Council invited your firm" in page
    assert f'value="{NEW_A}"' in page
    assert 'value="株式会社光学"' in page
    assert 'value="hikari.example"' in page

    client.post(
        reverse("organizations:onboarding"),
        {"corporate_number": NEW_A, "name_ja": "株式会社光学", "email_domain": "hikari.example"},
    )
    firm = Organization.objects.get(corporate_number=NEW_A)
    partnership.refresh_from_db()
    assert partnership.firm == firm and partnership.joined_at is not None


def test_a_firm_registered_meanwhile_is_linked_when_the_link_is_followed(
    client, intermediary, staff
):
    partnership = services.partner_add(
        intermediary=intermediary, actor=staff, name="Late", email="x@late.example",
        corporate_number=NEW_B,
    )  # fmt: skip
    firm = Organization.objects.create(
        kind="firm", name_en="Late K.K.", corporate_number=NEW_B, verification_status="not_required"
    )  # registered outside the usual service: the link still finds it
    member = MembershipFactory(organization=firm).user
    client.force_login(member)
    response = client.get(partnership.get_invitation_url())
    assert response.url == reverse("organizations:dashboard")
    partnership.refresh_from_db()
    assert partnership.firm == firm


def test_only_members_of_a_verified_intermediary_keep_its_network(client, intermediary, staff):
    pending = IntermediaryFactory(verification_status=Organization.Verification.PENDING)
    pending_staff = MembershipFactory(organization=pending).user
    outsider = MembershipFactory(organization=IntermediaryFactory()).user
    client.force_login(outsider)
    assert client.get(reverse("organizations:partners", args=[intermediary.pk])).status_code == 403
    client.force_login(pending_staff)
    assert client.get(reverse("organizations:partners", args=[pending.pk])).status_code == 403
    partnership = Partnership.objects.create(
        intermediary=intermediary, name="Kept", email="k@kept.example", corporate_number=NEW_A
    )
    client.force_login(outsider)
    response = client.post(reverse("organizations:partner_remove", args=[partnership.pk]))
    assert response.status_code == 403
    assert Partnership.objects.filter(pk=partnership.pk).exists()
    # Another intermediary's import is not shown.
    other_import = PartnerImport.objects.create(intermediary=intermediary, filename="x.csv")
    response = client.get(reverse("organizations:partner_import_preview", args=[other_import.pk]))
    assert response.status_code == 403


def test_the_partner_list_is_paginated_and_searchable(client, intermediary, staff):
    for n in range(30):
        Partnership.objects.create(
            intermediary=intermediary,
            name=f"Partner {n:02d}",
            email=f"p{n}@p.example",
            corporate_number=corporate_number(710000 + n),
        )
    client.force_login(staff)
    url = reverse("organizations:partners", args=[intermediary.pk])
    page = client.get(url).content.decode()
    assert "30 partner firms, 0 on the portal." in page
    assert "Partner 24" in page and "Partner 25" not in page
    assert "Partner 25" in client.get(url, {"page": 2}).content.decode()
    found = client.get(url, {"q": "p7@"}).content.decode()
    assert "Partner 07" in found and "Partner 08" not in found


def test_the_preview_costs_the_same_queries_for_few_or_many_rows(
    intermediary, django_assert_num_queries
):
    def preview(count):
        partner_import = PartnerImport.objects.create(
            intermediary=intermediary,
            filename="x.csv",
            rows=[
                {
                    "line": n + 2,
                    "name": f"F{n}",
                    "email": f"f{n}@x.example",
                    "corporate_number": corporate_number(720000 + n),
                    "errors": [],
                }
                for n in range(count)
            ],
        )
        with django_assert_num_queries(2):
            assert len(selectors.partner_import_preview(partner_import)) == count

    preview(1)
    preview(200)


def test_a_firm_owner_takes_the_firm_out_of_a_network(client, intermediary, staff, registered_firm):
    from apps.organizations.models import Membership

    owner = MembershipFactory(organization=registered_firm, role=Membership.Role.OWNER).user
    colleague = MembershipFactory(organization=registered_firm).user
    partnership = services.partner_add(
        intermediary=intermediary, actor=staff, name="Orbit", email="x@orbit.example",
        corporate_number=registered_firm.corporate_number,
    )  # fmt: skip
    client.force_login(owner)
    page = client.get(reverse("organizations:detail", args=[registered_firm.pk])).content.decode()
    assert "Japan Dual-Use Council" in page and "Leave this network" in page
    leave = reverse("organizations:partner_leave", args=[partnership.pk])
    client.force_login(colleague)
    assert client.post(leave).status_code == 403
    assert Partnership.objects.filter(pk=partnership.pk).exists()
    client.force_login(owner)
    assert client.post(leave).status_code == 302
    assert not Partnership.objects.filter(pk=partnership.pk).exists()
