from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth hooks. Account e-mails go through the same backend and base template as
    every other portal e-mail (templates/account/email/)."""

    def clean_email(self, email: str) -> str:
        return super().clean_email(email).lower()
