"""Fill Customer.last_contact_at / last_contact_team from the newest contact moment of each customer.

One set-based UPDATE … FROM a subquery that ranks each customer's contacts
(newest first, the higher id on a tie: the same choice as
contacts.services.customer_last_contact_refresh). Runs on PostgreSQL and on
SQLite 3.33+. Soft-deleted contacts do not exist yet when this runs first.
"""

from django.db import migrations

FORWARD = """
UPDATE contacts_customer
   SET last_contact_at = latest.occurred_at, last_contact_team_id = latest.team_id
  FROM (
        SELECT customer_id, occurred_at, team_id,
               ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY occurred_at DESC, id DESC) AS newest
          FROM contacts_contactmoment
       ) AS latest
 WHERE latest.newest = 1 AND contacts_customer.id = latest.customer_id
"""

BACKWARD = "UPDATE contacts_customer SET last_contact_at = NULL, last_contact_team_id = NULL"


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_customer_last_contact")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD, elidable=True)]
