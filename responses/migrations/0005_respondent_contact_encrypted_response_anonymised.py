"""Respondents' email and phone encrypted at rest, with keyed hashes for look-ups.

The columns become text (a Fernet token of a 254-character address is longer than 254), the
hash columns are added, then every existing row is encrypted and hashed in batches of 1,000 by
id (keyset, so a large table is never read at once and a rerun continues where it stopped: a row
is done once its hashes are set), and only then are the partial hash indexes built. Reversible:
going back decrypts the rows again.
"""

from django.db import migrations, models

import ops.fields
from ops.contacts import EMAIL, PHONE, CIPHERTEXT_PREFIX, contact_decrypt, contact_encrypt, contact_hash

BATCH = 1_000


def _batches(cursor, sql: str):
    last = 0
    while True:
        cursor.execute(sql, [last, BATCH])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def contacts_encrypt(apps, schema_editor) -> None:
    select = (
        "SELECT id, email, phone FROM responses_respondent WHERE id > %s AND email_hash = '' "
        "AND phone_hash = '' AND (email <> '' OR phone <> '') ORDER BY id LIMIT %s"
    )
    update = "UPDATE responses_respondent SET email = %s, phone = %s, email_hash = %s, phone_hash = %s WHERE id = %s"
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, select):
            cursor.executemany(
                update,
                [
                    (
                        contact_encrypt(email),
                        contact_encrypt(phone),
                        contact_hash(EMAIL, email),
                        contact_hash(PHONE, phone),
                        pk,
                    )
                    for pk, email, phone in rows
                ],
            )


def contacts_decrypt(apps, schema_editor) -> None:
    select = (
        "SELECT id, email, phone FROM responses_respondent WHERE id > %s AND (email_hash <> '' "
        "OR phone_hash <> '') ORDER BY id LIMIT %s"
    )
    update = "UPDATE responses_respondent SET email = %s, phone = %s, email_hash = '', phone_hash = '' WHERE id = %s"

    def clear(value: str) -> str:
        return contact_decrypt(value) if value.startswith(CIPHERTEXT_PREFIX) else value

    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, select):
            cursor.executemany(update, [(clear(email), clear(phone), pk) for pk, email, phone in rows])


class Migration(migrations.Migration):
    dependencies = [
        ("responses", "0004_invitation_view_funnel"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="respondent",
            options={
                "ordering": ["type", "ref"],
                "permissions": [("erase_respondent", "Can erase a respondent's personal data on request")],
                "verbose_name": "respondent",
                "verbose_name_plural": "respondents",
            },
        ),
        migrations.AddField(
            model_name="respondent",
            name="email_hash",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="email hash"
            ),
        ),
        migrations.AddField(
            model_name="respondent",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="erased at"),
        ),
        migrations.AddField(
            model_name="respondent",
            name="phone_hash",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=64, verbose_name="phone hash"
            ),
        ),
        migrations.AlterField(
            model_name="respondent",
            name="email",
            field=ops.fields.EncryptedTextField(blank=True, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="respondent",
            name="phone",
            field=ops.fields.EncryptedTextField(blank=True, verbose_name="phone (E.164)"),
        ),
        migrations.AddField(
            model_name="response",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="anonymised at"),
        ),
        migrations.RunPython(contacts_encrypt, contacts_decrypt, elidable=False),
        migrations.AddIndex(
            model_name="respondent",
            index=models.Index(
                condition=models.Q(("email_hash", ""), _negated=True),
                fields=["email_hash"],
                name="respondent_email_hash_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="respondent",
            index=models.Index(
                condition=models.Q(("phone_hash", ""), _negated=True),
                fields=["phone_hash"],
                name="respondent_phone_hash_idx",
            ),
        ),
    ]
