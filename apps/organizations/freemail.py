"""Free-mail and mobile-carrier domains: an address on one of these says nothing about the
organization its owner works for, so it never matches a firm by e-mail domain."""

FREE_MAIL_DOMAINS = frozenset(
    {
        # International
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "rocketmail.com", "aol.com", "icloud.com", "me.com",
        "mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.net", "mail.com",
        "zoho.com", "yandex.com", "qq.com", "163.com", "126.com", "fastmail.com", "tutanota.com",
        "hey.com",
        # Japan: portals, ISPs and mobile carriers
        "yahoo.co.jp", "ybb.ne.jp", "hotmail.co.jp", "outlook.jp", "live.jp", "nifty.com",
        "biglobe.ne.jp", "ocn.ne.jp", "so-net.ne.jp", "plala.or.jp", "dion.ne.jp",
        "docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp",
        "ymobile.ne.jp", "rakuten.jp", "excite.co.jp", "infoseek.jp", "goo.jp",
    }
)  # fmt: skip


def is_free_mail_domain(domain: str) -> bool:
    domain = domain.strip().lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in FREE_MAIL_DOMAINS)
