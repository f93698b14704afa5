"""The permission matrix: every URL pattern of the project, for every role, and the outcome
each role must get. The tables below are the specification; review them like code.

- Every pattern the root URLconf declares has a row, so that a new view cannot be
  forgotten (test_every_url_pattern_has_a_row): a GET row and a POST row for each of the
  project's own patterns, a GET row for each third-party page (allauth's), the five
  methods for each API endpoint. The admin's generated views are the one group: ADMIN_RULE
  checks every one of them for roles outside the admin, ADMIN every role on a sample of
  model admins. A view that a project app adds to the admin has rows of its
  own in PAGES and POSTS.
- Every row is a test, named after the method, the pattern and the object; it checks all
  its cells and a failure names each wrong cell: "GET waivers:detail(waiver_a) as b_mem:
  expected 404, got 200". (A test per cell costs the suite's per-test setup 2,400 times,
  which doubled the matrix's time; each cell still runs in a savepoint of its own.)
- POST sends no data: the cell says what the view does with an empty submission (a form's
  errors are 200 or 400, an action redirects) once it has decided whether the role may.
  POSTS has one row per pattern, on the first object PAGES lists for it.
- Every 403 leaves one warning on the `apps.core.access` logger naming the user, the
  method and the path (apps.core.refusals); no other outcome leaves one.
- No page outside the admin shows a private object of the world to a role not listed
  among its readers (LEAKS).

Roles and objects: tests/matrix/world.py. Outcomes: tests/matrix/table.py ("login" is a
redirect to a login page, "302" a redirect anywhere else).
"""

import logging
import re
from functools import cache
from urllib.parse import urlparse

import pytest
from django.db import transaction
from django.template.base import Template
from django.urls import reverse

from apps.core.refusals import MASK, SECRET_KWARGS
from tests.matrix import table
from tests.matrix.urlconf import url_patterns
from tests.matrix.world import ROLES, build_world, kept_for_a_module, marker

# --- The tables -----------------------------------------------------------------------

PAGES = table.parse(
    """
pattern                                     object                           anon  a_mem a_eco b_mem ag_1  ag_2  inter revwr super
# The public pages.
core:home                                   -                                200   200   200   200   200   200   200   200   200
core:healthz                                -                                200   200   200   200   200   200   200   200   200
core:robots                                 -                                200   200   200   200   200   200   200   200   200
core:terms                                  -                                200   200   200   200   200   200   200   200   200
core:privacy                                -                                200   200   200   200   200   200   200   200   200
favicon.ico                                 -                                301   301   301   301   301   301   301   301   301

# The admin's sign-in: allauth refuses signed-in users who are not staff.
admin_login                                 -                                login 403   403   403   403   403   403   302   302

# Accounts and organizations. firm_a's owner is a_eco; agency_1's staff is ag_1.
accounts:profile                            -                                login 200   200   200   200   200   200   200   200
organizations:dashboard                     -                                login 200   200   200   200   200   200   200   200
organizations:onboarding                    -                                login 200   200   200   200   200   200   200   200
organizations:onboarding_details            firm_a                           login 403   200   403   403   403   403   403   403
organizations:onboarding_pitch              firm_a                           login 403   200   403   403   403   403   403   403
organizations:create                        -                                login 200   200   200   200   200   200   200   200
organizations:detail                        firm_a                           login 200   200   403   403   403   403   403   200
organizations:detail                        agency_1                         login 403   403   403   200   403   403   403   200
organizations:update                        firm_a                           login 403   200   403   403   403   403   403   403
organizations:update                        firm_b                           login 403   403   403   403   403   403   403   403
organizations:invite                        firm_a                           login 403   200   403   403   403   403   403   403
organizations:join                          firm_a                           login 405   405   405   405   405   405   405   405
organizations:invitation_revoke             invitation_a                     login 405   405   405   405   405   405   405   405
organizations:invitation                    invitation_a                     login 200   200   200   200   200   200   200   200
organizations:membership_update             membership_a_mem                 login 405   405   405   405   405   405   405   405
organizations:membership_remove             membership_a_mem                 login 405   405   405   405   405   405   405   405
organizations:join_request_decide           join_request_a                   login 405   405   405   405   405   405   405   405
# An intermediary's partner network: its own staff only (the operator works in the admin).
organizations:partners                      intermediary                     login 403   403   403   403   403   200   403   403
organizations:partner_import                intermediary                     login 403   403   403   403   403   200   403   403
organizations:partner_import_template       intermediary                     login 403   403   403   403   403   200   403   403
organizations:partner_import_preview        import_inter                     login 403   403   403   403   403   200   403   403
organizations:partner_remove                partner_inter                    login 405   405   405   405   405   405   405   405
# A firm's owner takes it out of a network (firm B's owner is not among the roles).
organizations:partner_leave                 partner_inter                    login 405   405   405   405   405   405   405   405
# The invited firm's landing: to its registration, or its dashboard once it is on the portal.
organizations:partner_invitation            partner_inter                    login 302   302   302   302   302   302   302   302

# Capabilities. cap_a_agencies is for verified agency, intermediary and regulator staff
# (the export too); operators see capabilities in the admin only.
capabilities:directory                      -                                200   200   200   200   200   200   200   200   200
capabilities:export                         -                                403   403   403   403   200   200   200   200   403
capabilities:mine                           -                                login 200   200   200   200   200   200   200   200
capabilities:create                         -                                login 200   200   200   302   302   302   302   302
capabilities:firm                           firm_a                           200   200   200   200   200   200   200   200   200
capabilities:detail                         cap_a_draft                      404   200   200   404   404   404   404   404   404
capabilities:detail                         cap_a_agencies                   404   200   200   404   200   200   200   200   404
capabilities:detail                         cap_a_public                     200   200   200   200   200   200   200   200   200
capabilities:edit                           cap_a_draft                      login 200   200   404   404   404   404   404   404
capabilities:edit                           cap_b_public                     login 404   404   200   404   404   404   404   404
capabilities:publish                        cap_a_draft                      login 405   405   405   405   405   405   405   405
capabilities:unpublish                      cap_a_public                     login 405   405   405   405   405   405   405   405
capabilities:history                        cap_a_draft                      login 200   200   404   404   404   404   404   404
capabilities:brochure                       cap_a_draft                      404   200   200   404   404   404   404   404   404
capabilities:brochure                       cap_a_agencies                   404   200   200   404   200   200   200   200   404
capabilities:brochure                       cap_a_public                     200   200   200   200   200   200   200   200   200

# Opportunities of agency_1. A controlled attachment of an opportunity reaches only the
# owning agency; firm A's controlled brief (resp_a) is held from it: no authorization
# is in effect.
opportunities:list                          -                                200   200   200   200   200   200   200   200   200
opportunities:feed                          -                                200   200   200   200   200   200   200   200   200
opportunities:calendar                      -                                200   200   200   200   200   200   200   200   200
opportunities:create                        -                                login 403   403   403   200   200   403   403   403
opportunities:agency_dashboard              -                                login 403   403   403   200   200   403   403   403
opportunities:target                        opp_1                            login 403   403   403   200   403   200   403   403
opportunities:target                        opp_1_draft                      login 404   404   404   200   404   404   404   404
opportunities:detail                        opp_1                            200   200   200   200   200   200   200   200   200
opportunities:detail                        opp_1_draft                      404   404   404   404   200   404   404   404   404
opportunities:edit                          opp_1                            login 404   404   404   200   404   404   404   404
opportunities:edit                          opp_2                            login 404   404   404   404   200   404   404   404
opportunities:transition                    opp_1                            login 405   405   405   405   405   405   405   405
opportunities:attachment_add                opp_1                            login 404   404   404   200   404   404   404   404
opportunities:attachment                    att_public                       200   200   200   200   200   200   200   200   200
opportunities:attachment                    att_controlled                   403   403   403   403   200   403   403   403   403
opportunities:attachment                    att_draft                        404   404   404   404   200   404   404   404   404
opportunities:follow                        opp_1                            login 405   405   405   405   405   405   405   405
opportunities:respond                       opp_1                            login 200   200   200   302   302   302   302   302
opportunities:inbox                         opp_1                            login 403   403   403   200   403   403   403   403
opportunities:response                      resp_a                           login 200   200   404   200   404   404   404   404
opportunities:response                      resp_b                           login 404   404   200   200   404   404   404   404
opportunities:response_transition           resp_a                           login 405   405   405   405   405   405   405   405
opportunities:response_attachment           resp_a                           login 200   200   404   403   404   404   404   404
opportunities:response_attachment           resp_b                           login 404   404   200   200   404   404   404   404
opportunities:ask                           opp_1                            login 405   405   405   405   405   405   405   405
opportunities:answer                        question_a                       login 405   405   405   405   405   405   405   405

# Notifications of a_mem (its saved search, its unsubscribe link) and the matched firms.
notifications:settings                      -                                login 200   200   200   200   200   200   200   200
notifications:saved_search_create           -                                login 405   405   405   405   405   405   405   405
notifications:saved_search_delete           search_a                         login 405   405   405   405   405   405   405   405
notifications:unsubscribe                   unsubscribe_a                    200   200   200   200   200   200   200   200   200
notifications:unsubscribe                   token=bogus                      400   400   400   400   400   400   400   400   400
# A tracked e-mail link: no login, a redirect to the opportunity (or the list, when forged).
notifications:open                          link_a                           302   302   302   302   302   302   302   302   302
notifications:open                          token=bogus                      302   302   302   302   302   302   302   302   302
matching:opportunity                        opp_1                            login 403   403   403   200   403   403   403   403
matching:opportunity                        opp_1_draft                      login 404   404   404   200   404   404   404   404

# Export-control requests. Outside the firm, 404; reviewers read them (drafts included)
# and their documents; an operator who is not a reviewer is refused a document (403).
waivers:list                                -                                login 200   200   200   200   200   200   200   200
waivers:create                              -                                login 200   200   200   403   403   403   403   403
waivers:detail                              waiver_a                         login 200   200   404   404   404   404   404   404
waivers:detail                              waiver_b                         login 404   404   200   404   404   404   404   404
waivers:edit                                waiver_a                         login 200   200   404   404   404   404   404   404
waivers:document_add                        waiver_a                         login 405   405   405   405   405   405   405   405
waivers:answer                              waiver_a                         login 405   405   405   405   405   405   405   405
waivers:action                              waiver_a                         login 405   405   405   405   405   405   405   405
waivers:letter                              waiver_a_denied                  login 200   200   404   404   404   404   200   404
waivers:history_csv                         waiver_a                         login 200   200   404   404   404   404   404   404
waivers:document                            doc_a                            login 200   200   404   404   404   404   403   403
waivers:document                            doc_a_submitted                  login 200   200   404   404   404   404   200   403
waivers:document                            doc_b                            login 404   404   200   404   404   404   403   403

# Dashboards (apps/insights): the agency dashboard for verified agency staff (their own
# agencies' data), the reviewers' for reviewers and operators; the landing page lists
# what each may see and refuses those who may see none.
insights:index                              -                                login 403   403   403   200   200   200   200   200
insights:agency                             -                                login 403   403   403   200   200   403   403   403
insights:agency_csv                         chart=funnel                     login 403   403   403   200   200   403   403   403
insights:review                             -                                login 403   403   403   403   403   403   200   200
insights:review_csv                         chart=service-level              login 403   403   403   403   403   403   200   200
insights:intermediary                       intermediary                     login 403   403   403   403   403   200   403   403
insights:intermediary_csv                   intermediary,chart=reach         login 403   403   403   403   403   200   403   403

# The language switch (/i18n/setlang/).
set_language                                -                                405   405   405   405   405   405   405   405   405

# The reviewers' views that the waivers app adds to the admin: acting on a request
# (declaring no conflict, a transition, clearing a match) is for reviewers only.
admin:waivers_waiverrequest_change          waiver_a_submitted               login login login login login login login 200   200
admin:waivers_waiverrequest_change          waiver_a                         login login login login login login login 302   302
admin:waivers_waiverrequest_transition      waiver_a_submitted,action=assign login login login login login login login 302   403
admin:waivers_waiverrequest_declare         waiver_a_submitted               login login login login login login login 200   403
admin:waivers_waiverrequest_letter          waiver_a_denied                  login login login login login login login 200   200
admin:waivers_waiverrequest_audit_csv       waiver_a_submitted               login login login login login login login 200   200
admin:waivers_screeningmatch_clear          match_a                          login login login login login login login 200   403

# allauth's pages (GET only, and POST for those that change something).
account_login                               -                                200   302   302   302   302   302   302   302   302
account_logout                              -                                302   200   200   200   200   200   200   200   200
account_inactive                            -                                200   200   200   200   200   200   200   200   200
account_signup                              -                                200   302   302   302   302   302   302   302   302
account_reauthenticate                      -                                login 200   200   200   200   200   200   200   200
account_email                               -                                login 200   200   200   200   200   200   200   200
account_email_verification_sent             -                                200   200   200   200   200   200   200   200   200
account_change_password                     -                                login 200   200   200   200   200   200   200   200
account_set_password                        -                                login 302   302   302   302   302   302   302   302
account_reset_password                      -                                200   200   200   200   200   200   200   200   200
account_confirm_login_code                  -                                login 302   302   302   302   302   302   302   302
account_confirm_email                       key=bogus                        200   200   200   200   200   200   200   200   200
account_reset_password_from_key_done        -                                200   200   200   200   200   200   200   200   200
account_reset_password_from_key             uidb36=0,key=bogus               200   200   200   200   200   200   200   200   200
account_reset_password_done                 -                                200   200   200   200   200   200   200   200   200
mfa_index                                   -                                login 200   200   200   200   200   200   200   200
mfa_authenticate                            -                                login 302   302   302   302   302   302   302   302
mfa_reauthenticate                          -                                login 302   302   302   200   302   302   200   200
mfa_activate_totp                           -                                login 302   302   302   302   302   302   302   302
mfa_deactivate_totp                         -                                login 404   404   404   302   404   404   302   302
mfa_view_recovery_codes                     -                                login 404   404   404   404   404   404   404   404
mfa_generate_recovery_codes                 -                                login 302   302   302   302   302   302   302   302
mfa_download_recovery_codes                 -                                login 404   404   404   404   404   404   404   404
""",  # noqa: E501
    method="GET",
)

POSTS = table.parse(
    """
pattern                                     object                           anon  a_mem a_eco b_mem ag_1  ag_2  inter revwr super
# The public pages.
core:home                                   -                                200   200   200   200   200   200   200   200   200
core:healthz                                -                                405   405   405   405   405   405   405   405   405
core:robots                                 -                                405   405   405   405   405   405   405   405   405
core:terms                                  -                                200   200   200   200   200   200   200   200   200
core:privacy                                -                                200   200   200   200   200   200   200   200   200
favicon.ico                                 -                                301   301   301   301   301   301   301   301   301

# The admin's sign-in: allauth refuses signed-in users who are not staff.
admin_login                                 -                                login 403   403   403   403   403   403   200   200

# Accounts and organizations. firm_a's owner is a_eco; agency_1's staff is ag_1.
accounts:profile                            -                                login 200   200   200   200   200   200   200   200
organizations:dashboard                     -                                login 200   200   200   200   200   200   200   200
organizations:onboarding                    -                                login 200   200   200   200   200   200   200   200
organizations:onboarding_details            firm_a                           login 403   302   403   403   403   403   403   403
organizations:onboarding_pitch              firm_a                           login 403   302   403   403   403   403   403   403
organizations:create                        -                                login 200   200   200   200   200   200   200   200
organizations:detail                        firm_a                           login 200   200   403   403   403   403   403   200
organizations:update                        firm_a                           login 403   200   403   403   403   403   403   403
organizations:invite                        firm_a                           login 403   200   403   403   403   403   403   403
organizations:join                          firm_a                           login 302   302   302   302   302   302   302   302
organizations:invitation_revoke             invitation_a                     login 403   302   403   403   403   403   403   403
organizations:invitation                    invitation_a                     login 403   403   302   403   403   403   403   403
organizations:membership_update             membership_a_mem                 login 403   302   403   403   403   403   403   403
organizations:membership_remove             membership_a_mem                 login 302   302   403   403   403   403   403   403
organizations:join_request_decide           join_request_a                   login 403   302   403   403   403   403   403   403
organizations:partners                      intermediary                     login 403   403   403   403   403   200   403   403
organizations:partner_import                intermediary                     login 403   403   403   403   403   200   403   403
organizations:partner_import_template       intermediary                     login 405   405   405   405   405   405   405   405
organizations:partner_import_preview        import_inter                     login 403   403   403   403   403   302   403   403
organizations:partner_remove                partner_inter                    login 403   403   403   403   403   302   403   403
organizations:partner_leave                 partner_inter                    login 403   403   403   403   403   403   403   403
organizations:partner_invitation            partner_inter                    login 405   405   405   405   405   405   405   405

# Capabilities. cap_a_agencies is for verified agency, intermediary and regulator staff
# (the export too); operators see capabilities in the admin only.
capabilities:directory                      -                                200   200   200   200   200   200   200   200   200
capabilities:export                         -                                403   403   403   403   200   200   200   200   403
capabilities:mine                           -                                login 200   200   200   200   200   200   200   200
capabilities:create                         -                                login 200   200   200   302   302   302   302   302
capabilities:firm                           firm_a                           200   200   200   200   200   200   200   200   200
capabilities:detail                         cap_a_draft                      404   200   200   404   404   404   404   404   404
capabilities:edit                           cap_a_draft                      login 200   200   404   404   404   404   404   404
capabilities:publish                        cap_a_draft                      login 302   302   404   404   404   404   404   404
capabilities:unpublish                      cap_a_public                     login 302   302   404   404   404   404   404   404
capabilities:history                        cap_a_draft                      login 200   200   404   404   404   404   404   404
capabilities:brochure                       cap_a_draft                      404   200   200   404   404   404   404   404   404

# Opportunities of agency_1. A controlled attachment of an opportunity reaches only the
# owning agency; firm A's controlled brief (resp_a) is held from it: no authorization
# is in effect.
opportunities:list                          -                                200   200   200   200   200   200   200   200   200
opportunities:feed                          -                                200   200   200   200   200   200   200   200   200
opportunities:calendar                      -                                405   405   405   405   405   405   405   405   405
opportunities:create                        -                                login 403   403   403   200   200   403   403   403
opportunities:agency_dashboard              -                                login 403   403   403   200   200   403   403   403
opportunities:target                        opp_1                            login 403   403   403   200   403   200   403   403
opportunities:detail                        opp_1                            200   200   200   200   200   200   200   200   200
opportunities:edit                          opp_1                            login 404   404   404   200   404   404   404   404
opportunities:transition                    opp_1                            login 404   404   404   302   404   404   404   404
opportunities:attachment_add                opp_1                            login 404   404   404   200   404   404   404   404
opportunities:attachment                    att_public                       200   200   200   200   200   200   200   200   200
opportunities:follow                        opp_1                            login 302   302   302   302   302   302   302   302
opportunities:respond                       opp_1                            login 200   200   200   302   302   302   302   302
opportunities:inbox                         opp_1                            login 403   403   403   200   403   403   403   403
opportunities:response                      resp_a                           login 200   200   404   200   404   404   404   404
opportunities:response_transition           resp_a                           login 403   403   404   200   404   404   404   404
opportunities:response_attachment           resp_a                           login 200   200   404   403   404   404   404   404
opportunities:ask                           opp_1                            login 200   200   200   403   403   403   403   403
opportunities:answer                        question_a                       login 403   403   403   200   403   403   403   403

# Notifications of a_mem (its saved search, its unsubscribe link) and the matched firms.
notifications:settings                      -                                login 200   200   200   200   200   200   200   200
notifications:saved_search_create           -                                login 302   302   302   302   302   302   302   302
notifications:saved_search_delete           search_a                         login 302   404   404   404   404   404   404   404
notifications:unsubscribe                   unsubscribe_a                    200   200   200   200   200   200   200   200   200
notifications:open                          link_a                           405   405   405   405   405   405   405   405   405
matching:opportunity                        opp_1                            login 403   403   403   200   403   403   403   403

# Export-control requests. Outside the firm, 404; reviewers read them (drafts included)
# and their documents; an operator who is not a reviewer is refused a document (403).
waivers:list                                -                                login 200   200   200   200   200   200   200   200
waivers:create                              -                                login 400   400   400   403   403   403   403   403
waivers:detail                              waiver_a                         login 200   200   404   404   404   404   404   404
waivers:edit                                waiver_a                         login 400   400   404   404   404   404   404   404
waivers:document_add                        waiver_a                         login 400   400   404   404   404   404   404   404
waivers:answer                              waiver_a                         login 400   400   404   404   404   404   404   404
waivers:action                              waiver_a                         login 302   302   404   404   404   404   404   404
waivers:letter                              waiver_a_denied                  login 200   200   404   404   404   404   200   404
waivers:history_csv                         waiver_a                         login 200   200   404   404   404   404   404   404
waivers:document                            doc_a                            login 200   200   404   404   404   404   403   403

# Dashboards: read-only.
insights:index                              -                                login 405   405   405   405   405   405   405   405
insights:agency                             -                                login 405   405   405   405   405   405   405   405
insights:agency_csv                         chart=funnel                     login 405   405   405   405   405   405   405   405
insights:review                             -                                login 405   405   405   405   405   405   405   405
insights:review_csv                         chart=service-level              login 405   405   405   405   405   405   405   405
insights:intermediary                       intermediary                     login 405   405   405   405   405   405   405   405
insights:intermediary_csv                   intermediary,chart=reach         login 405   405   405   405   405   405   405   405

# The language switch (/i18n/setlang/).
set_language                                -                                302   302   302   302   302   302   302   302   302

# The reviewers' views that the waivers app adds to the admin: acting on a request
# (declaring no conflict, a transition, clearing a match) is for reviewers only.
admin:waivers_waiverrequest_change          waiver_a_submitted               login login login login login login login 403   403
admin:waivers_waiverrequest_transition      waiver_a_submitted,action=assign login login login login login login login 302   403
admin:waivers_waiverrequest_declare         waiver_a_submitted               login login login login login login login 200   403
admin:waivers_waiverrequest_letter          waiver_a_denied                  login login login login login login login 200   200
admin:waivers_waiverrequest_audit_csv       waiver_a_submitted               login login login login login login login 200   200
admin:waivers_screeningmatch_clear          match_a                          login login login login login login login 200   403

# allauth's pages (GET only, and POST for those that change something).
account_login                               -                                200   302   302   302   302   302   302   302   302
account_logout                              -                                302   302   302   302   302   302   302   302   302
account_signup                              -                                200   302   302   302   302   302   302   302   302
account_email                               -                                login 302   302   302   302   302   302   302   302
account_change_password                     -                                login 200   200   200   200   200   200   200   200
account_reset_password                      -                                200   200   200   200   200   200   200   200   200
""",  # noqa: E501
    method="POST",
)

ADMIN = table.parse(
    """
pattern                                     object                           anon  a_mem a_eco b_mem ag_1  ag_2  inter revwr super
# The admin site for the staff roles: the reviewer (staff, in the reviewers group) and the
# operator (superuser). Nobody else gets past its sign-in.
admin:index                                 -                                login login login login login login login 200   200
admin:app_list                              app_label=waivers                login login login login login login login 200   200
admin:app_list                              app_label=organizations          login login login login login login login 404   200
admin:password_change                       -                                login login login login login login login 200   200
admin:jsi18n                                -                                login login login login login login login 200   200

# Model admins: the reviewer sees only the export-control ones; nothing there is added
# or deleted, superusers included.
admin:organizations_organization_changelist -                                login login login login login login login 403   200
admin:organizations_organization_add        -                                login login login login login login login 403   200
admin:organizations_organization_change     firm_a                           login login login login login login login 403   200
admin:organizations_organization_history    firm_a                           login login login login login login login 403   200
admin:organizations_organization_delete     firm_a                           login login login login login login login 403   200
admin:organizations_invitation_change       invitation_a                     login login login login login login login 403   200
admin:accounts_user_changelist              -                                login login login login login login login 403   200
admin:accounts_user_change                  user_a_mem                       login login login login login login login 403   200
admin:auth_group_changelist                 -                                login login login login login login login 403   200
admin:mfa_authenticator_changelist          -                                login login login login login login login 403   200
admin:capabilities_capability_changelist    -                                login login login login login login login 403   200
admin:capabilities_capability_change        cap_a_draft                      login login login login login login login 403   200
admin:opportunities_opportunity_change      opp_1_draft                      login login login login login login login 403   200
admin:opportunities_response_changelist     -                                login login login login login login login 403   200
admin:opportunities_response_change         resp_a                           login login login login login login login 403   200
admin:notifications_delivery_changelist     -                                login login login login login login login 403   200
admin:notifications_savedsearch_change      search_a                         login login login login login login login 403   200
admin:waivers_waiverrequest_changelist      -                                login login login login login login login 200   200
admin:waivers_waiverrequest_add             -                                login login login login login login login 403   403
admin:waivers_waiverrequest_history         waiver_a_submitted               login login login login login login login 200   200
admin:waivers_waiverrequest_delete          waiver_a_submitted               login login login login login login login 403   403
admin:waivers_waiverevent_changelist        -                                login login login login login login login 200   200
admin:waivers_screeningmatch_changelist     -                                login login login login login login login 200   200
admin:waivers_screeninglistentry_changelist -                                login login login login login login login 200   200
""",  # noqa: E501
    method="GET",
)

API = table.parse(
    """
pattern                                     object                           method anon  a_mem a_eco b_mem ag_1  ag_2  inter revwr super
# Read-only for everyone: drafts answer 404, every write method 405.
api:opportunity-list                        -                                GET    200   200   200   200   200   200   200   200   200
api:opportunity-list                        -                                POST   405   405   405   405   405   405   405   405   405
api:opportunity-list                        -                                PUT    405   405   405   405   405   405   405   405   405
api:opportunity-list                        -                                PATCH  405   405   405   405   405   405   405   405   405
api:opportunity-list                        -                                DELETE 405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1                            GET    200   200   200   200   200   200   200   200   200
api:opportunity-detail                      opp_1                            POST   405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1                            PUT    405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1                            PATCH  405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1                            DELETE 405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1_draft                      GET    404   404   404   404   404   404   404   404   404
api:opportunity-detail                      opp_1_draft                      POST   405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1_draft                      PUT    405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1_draft                      PATCH  405   405   405   405   405   405   405   405   405
api:opportunity-detail                      opp_1_draft                      DELETE 405   405   405   405   405   405   405   405   405
api:technology-area-list                    -                                GET    200   200   200   200   200   200   200   200   200
api:technology-area-list                    -                                POST   405   405   405   405   405   405   405   405   405
api:technology-area-list                    -                                PUT    405   405   405   405   405   405   405   405   405
api:technology-area-list                    -                                PATCH  405   405   405   405   405   405   405   405   405
api:technology-area-list                    -                                DELETE 405   405   405   405   405   405   405   405   405
api:schema                                  -                                GET    200   200   200   200   200   200   200   200   200
api:schema                                  -                                POST   405   405   405   405   405   405   405   405   405
api:schema                                  -                                PUT    405   405   405   405   405   405   405   405   405
api:schema                                  -                                PATCH  405   405   405   405   405   405   405   405   405
api:schema                                  -                                DELETE 405   405   405   405   405   405   405   405   405
"""  # noqa: E501
)

# Who may read each private object of the world on the portal's pages (the admin aside:
# staff see there what their model admins allow, ADMIN above). Each object carries its
# marker (world.marker) in a title or a body.
LEAKS = table.parse_readers(
    """
object               readers
opp_1_draft          ag_1
opp_1_cancelled      ag_1
att_draft            ag_1
cap_a_draft          a_mem a_eco
cap_a_agencies       a_mem a_eco ag_1 ag_2 inter revwr
resp_a               a_mem a_eco ag_1
resp_b               b_mem ag_1
question_a           a_mem a_eco ag_1
search_a             a_mem
target_ag_1          ag_1
target_inter         ag_1 inter
partner_inter        inter
waiver_a             a_mem a_eco revwr
waiver_a_submitted   a_mem a_eco revwr
waiver_b             b_mem revwr
"""
)

# A page where a reader does see each object of LEAKS, so that the check above is never
# vacuous: pattern, object, role.
SHOWN_ON = {
    "opp_1_draft": ("opportunities:detail", "opp_1_draft", "ag_1"),
    "opp_1_cancelled": ("opportunities:agency_dashboard", "-", "ag_1"),
    "att_draft": ("opportunities:detail", "opp_1_draft", "ag_1"),
    "cap_a_draft": ("capabilities:mine", "-", "a_mem"),
    "cap_a_agencies": ("capabilities:directory", "-", "inter"),
    "resp_a": ("opportunities:response", "resp_a", "ag_1"),
    "resp_b": ("opportunities:response", "resp_b", "b_mem"),
    "question_a": ("opportunities:detail", "opp_1", "a_mem"),
    "search_a": ("notifications:settings", "-", "a_mem"),
    "target_ag_1": ("opportunities:target", "opp_1", "ag_1"),
    "target_inter": ("opportunities:target", "opp_1", "inter"),
    "partner_inter": ("organizations:partners", "intermediary", "inter"),
    "waiver_a": ("waivers:detail", "waiver_a", "a_eco"),
    "waiver_a_submitted": ("waivers:history_csv", "waiver_a_submitted", "revwr"),
    "waiver_b": ("waivers:detail", "waiver_b", "b_mem"),
}

# The admin asks only whether a user is active staff with an authenticator app before any
# model admin is asked. Anonymous visitors, a firm's owner and an agency's staff member who
# has an authenticator app (the nearest to staff) stand for everyone outside the admin in
# ADMIN_RULE; ADMIN checks every role on a sample.
OUTSIDE_ADMIN = ("anon", "a_eco", "ag_1")
API_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Views that accept a POST without a CSRF token, each for a reason: RFC 8058's one-click
# unsubscribe comes from mail clients without a session; DRF's views check the token
# themselves for session-authenticated requests (SessionAuthentication); the language
# switch checks it itself for signed-in users, whose account it changes (an anonymous
# visitor's switch only sets a cookie, and public pages carry no token so that they can
# be cached; tests/accounts/test_profile_and_language.py).
CSRF_EXEMPT = frozenset(
    {
        "notifications:unsubscribe",
        "set_language",
        "api:opportunity-list",
        "api:opportunity-detail",
        "api:technology-area-list",
        "api:schema",
    }
)


# --- The world ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end.
    Each test asks for `db` as well, which runs it in a savepoint of that transaction:
    whatever a cell changes (a POST that succeeds) is gone before the next cell."""
    with kept_for_a_module(django_db_blocker, build_world) as built:
        yield built


@pytest.fixture(scope="module", autouse=True)
def _templates_rendered_as_in_production():
    """The test runner instruments every template render so that the test client can keep
    each one's context (response.context), copying the context each time. The matrix
    never reads them, and on pages full of form widgets the copies cost more than the page
    itself: render as production does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))
        yield


# --- Helpers --------------------------------------------------------------------------


@cache
def patterns_by_key():
    return {pattern.key: pattern for pattern in url_patterns()}


KWARG = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def kwargs_of(route: str) -> list[str]:
    return [a or b for a, b in KWARG.findall(route)]


def url_of(world, row: table.Row) -> tuple[str, dict]:
    pattern = patterns_by_key()[row.pattern]
    reference = "" if row.reference == "-" else row.reference
    kwargs = world.kwargs_for(reference, kwargs_of(pattern.route))
    if pattern.name is None:
        return "/" + pattern.route, kwargs
    return reverse(pattern.name, kwargs=kwargs), kwargs


def send(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, {})
    return client.generic(method, url, "{}", content_type="application/json")


def described(response) -> str:
    if response.status_code in (301, 302):
        return f"{table.outcome(response)} (to {response['Location']})"
    return table.outcome(response)


def cell_problems(cell: table.Cell, world, caplog) -> list[str]:
    """What is wrong with one cell: its outcome, its refusal record, a private object
    shown. The request runs in a savepoint of its own, rolled back after it."""
    row, role = cell.row, cell.role
    url, kwargs = url_of(world, row)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="apps.core.access"), transaction.atomic():
        try:
            response = send(world.client(role), row.method, url)
        except Exception as error:
            raise AssertionError(f"{cell}: the view raised {error!r}") from error
        finally:
            transaction.set_rollback(True)

    got = table.outcome(response)
    if got != cell.expected:
        return [f"{cell}: expected {cell.expected}, got {described(response)}"]
    problems = []
    refusals = [record for record in caplog.records if record.name == "apps.core.access"]
    if response.status_code == 403:
        path = urlparse(url).path
        for name in SECRET_KWARGS & set(kwargs):
            path = path.replace(str(kwargs[name]), MASK)
        wanted = (logging.WARNING, world.user_id(role), row.method, path)
        named = [(r.levelno, r.user_id, r.method, r.path) for r in refusals]
        if named != [wanted]:
            problems.append(f"{cell}: a 403 must leave one record naming {wanted}, not {named}")
    elif refusals:
        problems.append(f"{cell}: only a 403 is a refusal, yet {refusals[0].getMessage()!r}")

    if not response.streaming and not url.startswith("/admin/"):
        body = response.content.decode("utf-8", errors="replace")
        shown = sorted(
            name for name, readers in LEAKS.items() if role not in readers and marker(name) in body
        )
        if shown:
            problems.append(f"{cell}: the page shows {shown}, which {role} may not read")
    return problems


def check_row(row: table.Row, world, caplog) -> None:
    problems = [
        problem for cell in table.cells([row]) for problem in cell_problems(cell, world, caplog)
    ]
    assert not problems, "\n".join(problems)


# --- The URLconf and the tables agree --------------------------------------------------

ALL_ROWS = PAGES + POSTS + ADMIN + API


def test_every_url_pattern_has_a_row():
    methods_listed: dict[str, set[str]] = {}
    for row in ALL_ROWS:
        methods_listed.setdefault(row.pattern, set()).add(row.method)
    missing = []
    for pattern in url_patterns():
        if pattern.is_generated_admin_view:
            continue
        if pattern.is_api:
            needed = API_METHODS
        elif pattern.is_project_pattern:
            needed = {"GET", "POST"}
        else:
            needed = {"GET"}
        lacking = needed - methods_listed.get(pattern.key, set())
        if lacking:
            missing.append(
                f"{pattern.key} ({pattern.route} → {pattern.callback}): "
                f"no {', '.join(sorted(lacking))} row"
            )
    assert not missing, (
        "These URL patterns are not in the permission matrix. Add a row for each, with the "
        "outcome every role must get (PAGES and POSTS; API for api:*):\n" + "\n".join(missing)
    )


def test_every_row_names_a_url_pattern_that_exists():
    known = patterns_by_key()
    stale = sorted({row.pattern for row in ALL_ROWS} - set(known))
    assert not stale, f"Rows for URL patterns the URLconf no longer declares: {stale}"


def test_each_table_holds_its_own_kind_of_pattern():
    known = patterns_by_key()
    misplaced = [
        f"{row.label} in {name}"
        for name, rows, belongs in (
            (
                "PAGES/POSTS",
                PAGES + POSTS,
                lambda p: not p.is_api and not p.is_generated_admin_view,
            ),
            ("ADMIN", ADMIN, lambda p: p.is_generated_admin_view),
            ("API", API, lambda p: p.is_api),
        )
        for row in rows
        if row.pattern in known and not belongs(known[row.pattern])
    ]
    assert not misplaced, misplaced
    incomplete = sorted(
        {
            f"{row.pattern}({row.reference})"
            for row in API
            if {r.method for r in API if (r.pattern, r.reference) == (row.pattern, row.reference)}
            != API_METHODS
        }
    )
    assert not incomplete, f"API rows need every one of {sorted(API_METHODS)}: {incomplete}"


def test_only_the_listed_views_skip_the_csrf_check():
    exempt = {
        pattern.key
        for pattern in url_patterns()
        if pattern.is_project_pattern and pattern.csrf_exempt
    }
    assert exempt == CSRF_EXEMPT


# --- The cells ------------------------------------------------------------------------


def by_label(rows: list[table.Row]):
    return pytest.mark.parametrize("row", rows, ids=[row.label for row in rows])


@by_label(PAGES)
def test_page(row, world, db, caplog):
    check_row(row, world, caplog)


@by_label(POSTS)
def test_post(row, world, db, caplog):
    check_row(row, world, caplog)


@by_label(ADMIN)
def test_admin_sample(row, world, db, caplog):
    check_row(row, world, caplog)


@by_label(API)
def test_api(row, world, db, caplog):
    check_row(row, world, caplog)


# --- The admin's generated views, all of them -----------------------------------------

ADMIN_VIEW_KWARGS = {"object_id": "1", "id": "1", "app_label": "waivers", "content_type_id": "1"}
# The rule for every role outside the admin, and the exceptions to it, each with its reason.
ADMIN_RULE = "login"
ADMIN_RULE_EXCEPTIONS = {
    # Django's admin sends a visitor who is not staff from its logout to its index, which
    # then asks them to sign in.
    "admin:logout": "302",
}
# /admin/login/ is served by the project's admin_login (its own rows in PAGES and POSTS).
ADMIN_SHADOWED = frozenset({"admin:login"})


def admin_url(pattern) -> str:
    if pattern.name is not None:
        kwargs = {name: ADMIN_VIEW_KWARGS[name] for name in kwargs_of(pattern.route)}
        return reverse(pattern.name, kwargs=kwargs)
    if "(?P<url>" in pattern.route:
        return "/admin/no-such-page/"
    return "/" + pattern.route.replace("<path:object_id>", "1")


@pytest.mark.parametrize(
    "key",
    [
        pattern.key
        for pattern in url_patterns()
        if pattern.is_generated_admin_view and pattern.key not in ADMIN_SHADOWED
    ],
)
def test_admin_views_turn_away_everyone_outside_the_admin(key, world, db):
    url = admin_url(patterns_by_key()[key])
    expected = ADMIN_RULE_EXCEPTIONS.get(key, ADMIN_RULE)
    wrong = {}
    for role in OUTSIDE_ADMIN:
        response = world.client(role).get(url)
        if table.outcome(response) != expected:
            wrong[role] = described(response)
    assert not wrong, f"GET {url}: expected {expected} for {OUTSIDE_ADMIN}, got {wrong}"


@pytest.mark.parametrize("name", sorted(LEAKS))
def test_a_reader_does_see_each_private_object(name, world, db):
    assert name in SHOWN_ON, f"SHOWN_ON needs a page where a reader sees {name}"
    pattern, reference, role = SHOWN_ON[name]
    assert role in LEAKS[name]
    url, _kwargs = url_of(world, table.Row(pattern, reference, "GET", {}))
    response = world.client(role).get(url)
    assert response.status_code == 200
    assert marker(name) in response.content.decode(), f"{role} does not see {name} at {url}"


# --- Sessions, refusals, CSRF ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_signed_in_as_itself(role, world, db):
    response = world.client(role).get(reverse("core:home"))
    assert response.wsgi_request.user.pk == world.user_id(role)


def test_a_refusal_is_logged_without_the_token_in_the_path(world, db, caplog):
    invitation = world.objects["invitation_a"]
    url = reverse("organizations:invitation", kwargs={"token": invitation.token})
    with caplog.at_level(logging.WARNING, logger="apps.core.access"):
        response = world.client("a_mem").post(url, {})
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "apps.core.access"]
    assert record.user_id == world.user_id("a_mem")
    assert record.view == "organizations:invitation"
    assert invitation.token not in record.getMessage()
    assert record.path == f"/organizations/invitations/{MASK}/"


def test_a_refusal_of_an_anonymous_visitor_is_logged_as_such(world, db, caplog):
    url = reverse("opportunities:attachment", kwargs={"pk": world.objects["att_controlled"].pk})
    with caplog.at_level(logging.WARNING, logger="apps.core.access"):
        response = world.client("anon").get(url)
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "apps.core.access"]
    assert record.user_id is None
    assert record.getMessage() == (
        f"Refused GET {url} (opportunities:attachment) to an anonymous visitor"
    )


def test_csrf_is_enforced_on_a_state_changing_view(world, db, caplog):
    client = world.client("a_eco", enforce_csrf_checks=True)
    capability = world.objects["cap_a_draft"]
    url = reverse("capabilities:publish", kwargs={"pk": capability.pk})

    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        refused = client.post(url, {})
    assert refused.status_code == 403
    assert any(record.name == "django.security.csrf" for record in caplog.records)
    capability.refresh_from_db()
    assert capability.status == "draft"

    page = client.get(reverse("capabilities:detail", kwargs={"pk": capability.pk}))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    accepted = client.post(url, {"csrfmiddlewaretoken": token.group(1)})
    assert accepted.status_code == 302
    capability.refresh_from_db()
    assert capability.status == "published"


def test_the_waiver_form_offers_only_public_opportunities_and_the_one_already_named(world, db):
    from apps.opportunities import services as opportunity_services
    from apps.waivers.forms import WaiverRequestForm

    firm, opportunity = world.objects["firm_a"], world.objects["opp_1"]
    offered = WaiverRequestForm(firm=firm).fields["opportunity"].queryset
    assert opportunity in offered
    assert world.objects["opp_1_draft"] not in offered
    assert world.objects["opp_1_cancelled"] not in offered

    opportunity_services.opportunity_transition(
        opportunity=opportunity, actor=world.users["ag_1"], to="cancelled"
    )
    draft = world.objects["waiver_a"]
    assert (
        opportunity in WaiverRequestForm(instance=draft, firm=firm).fields["opportunity"].queryset
    )
    assert opportunity not in WaiverRequestForm(firm=firm).fields["opportunity"].queryset
