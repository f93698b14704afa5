from smtplib import SMTPException

from celery import shared_task


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def send_invitation_email(*, invitation_id: int) -> None:
    from apps.organizations import services

    services.invitation_send_email(invitation_id=invitation_id)


@shared_task(autoretry_for=(SMTPException, ConnectionError), retry_backoff=True, max_retries=6)
def send_partner_invitation(*, partnership_id: int) -> None:
    from apps.organizations import services

    services.partner_send_invitation(partnership_id=partnership_id)
