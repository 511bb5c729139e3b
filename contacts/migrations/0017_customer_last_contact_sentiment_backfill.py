"""Fill Customer.last_contact_sentiment_end from the newest contact moment of each customer (issue 14).

One set-based UPDATE … FROM a subquery that ranks each customer's contacts that were not deleted (newest first,
the higher id on a tie: the same choice as contacts.services.customer_last_contact_refresh). Runs on PostgreSQL
and on SQLite 3.33+.
"""

from django.db import migrations

FORWARD = """
UPDATE contacts_customer
   SET last_contact_sentiment_end = latest.sentiment_end
  FROM (
        SELECT customer_id, sentiment_end,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY occurred_at DESC, id DESC) AS newest
          FROM contacts_contactmoment
         WHERE deleted_at IS NULL
       ) AS latest
 WHERE latest.newest = 1 AND contacts_customer.id = latest.customer_id
"""

BACKWARD = "UPDATE contacts_customer SET last_contact_sentiment_end = NULL"


class Migration(migrations.Migration):
    dependencies = [("contacts", "0016_customer_last_contact_sentiment")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD, elidable=True)]
