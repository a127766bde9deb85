/* test-account.c: TtsAccount and parsing GET /customers/me/accounts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "tts-account.h"
#include "tts-error.h"

static GPtrArray *
parse (const char  *json,
       GError     **error)
{
  return tts_account_list_new_from_json (json, strlen (json), error);
}

static void
test_account_new (void)
{
  g_autoptr(TtsAccount) account = tts_account_new ("5WX01234", "Individual", "Margin", "owner");
  g_autofree char *number = NULL;
  g_autofree char *nickname = NULL;
  g_autofree char *type_name = NULL;
  g_autofree char *authority = NULL;

  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX01234");
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Margin");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "owner");

  g_object_get (account,
                "number", &number,
                "nickname", &nickname,
                "type-name", &type_name,
                "authority", &authority,
                NULL);
  g_assert_cmpstr (number, ==, "5WX01234");
  g_assert_cmpstr (nickname, ==, "Individual");
  g_assert_cmpstr (type_name, ==, "Margin");
  g_assert_cmpstr (authority, ==, "owner");
}

static void
test_account_new_optional (void)
{
  g_autoptr(TtsAccount) account = tts_account_new ("5WX01234", NULL, NULL, NULL);

  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX01234");
  g_assert_null (tts_account_get_nickname (account));
  g_assert_null (tts_account_get_type_name (account));
  g_assert_null (tts_account_get_authority (account));
}

/* The documented example, word for word. */
static void
test_account_list_documented (void)
{
  static const char json[] =
    "{\"data\":{\"items\":[{\"account\":{\"account-number\":\"5WX01234\","
    "\"nickname\":\"Individual\",\"account-type-name\":\"Individual\","
    "\"margin-or-cash\":\"Margin\",\"is-closed\":false},"
    "\"authority-level\":\"owner\"}]},\"context\":\"/customers/me/accounts\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  TtsAccount *account;

  accounts = parse (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (accounts);
  g_assert_cmpuint (accounts->len, ==, 1);

  account = g_ptr_array_index (accounts, 0);
  g_assert_true (TTS_IS_ACCOUNT (account));
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX01234");
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Individual");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "owner");
}

static void
test_account_list_several (void)
{
  static const char json[] =
    "{\"data\":{\"items\":["
    "{\"account\":{\"account-number\":\"5WX01234\",\"nickname\":\"Main\","
    "\"account-type-name\":\"Individual\",\"is-closed\":false},\"authority-level\":\"owner\"},"
    "{\"account\":{\"account-number\":\"5WY99999\",\"nickname\":\"Old IRA\","
    "\"account-type-name\":\"Roth IRA\",\"is-closed\":true},\"authority-level\":\"read-only\"},"
    "{\"account\":{\"account-number\":\"5WZ00001\",\"account-type-name\":\"Entity\","
    "\"extra\":{\"nested\":[1,2,3]}},\"authority-level\":\"trade-only\",\"unknown\":42}"
    "]},\"api-version\":\"x\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  TtsAccount *account;

  accounts = parse (json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 3);

  account = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX01234");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "owner");

  /* Closed accounts are still listed: the token can read them. */
  account = g_ptr_array_index (accounts, 1);
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WY99999");
  g_assert_cmpstr (tts_account_get_nickname (account), ==, "Old IRA");
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Roth IRA");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "read-only");

  account = g_ptr_array_index (accounts, 2);
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WZ00001");
  g_assert_null (tts_account_get_nickname (account));
  g_assert_cmpstr (tts_account_get_type_name (account), ==, "Entity");
  g_assert_cmpstr (tts_account_get_authority (account), ==, "trade-only");
}

static void
test_account_list_empty (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  accounts = parse ("{\"data\":{\"items\":[]},\"context\":\"/customers/me/accounts\"}", &error);
  g_assert_no_error (error);
  g_assert_nonnull (accounts);
  g_assert_cmpuint (accounts->len, ==, 0);
}

/* Items that name no account are left out; the rest still count. */
static void
test_account_list_skips (void)
{
  static const char json[] =
    "{\"data\":{\"items\":["
    "{\"account\":{\"nickname\":\"No number\"},\"authority-level\":\"owner\"},"
    "{\"account\":{\"account-number\":\"\"},\"authority-level\":\"owner\"},"
    "{\"account\":{\"account-number\":12345},\"authority-level\":\"owner\"},"
    "{\"account\":{\"account-number\":null},\"authority-level\":\"owner\"},"
    "{\"account\":\"5WX01234\",\"authority-level\":\"owner\"},"
    "{\"authority-level\":\"owner\"},"
    "\"5WX01234\","
    "null,"
    "[],"
    "{\"account\":{\"account-number\":\"5WX77777\",\"nickname\":7,\"account-type-name\":null},"
    "\"authority-level\":false}"
    "]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;
  TtsAccount *account;

  accounts = parse (json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 1);

  account = g_ptr_array_index (accounts, 0);
  g_assert_cmpstr (tts_account_get_number (account), ==, "5WX77777");
  g_assert_null (tts_account_get_nickname (account));
  g_assert_null (tts_account_get_type_name (account));
  g_assert_null (tts_account_get_authority (account));
}

static void
test_account_list_junk (void)
{
  static const char * const junk[] = {
    "",
    " ",
    "null",
    "[]",
    "42",
    "\"data\"",
    "{}",
    "{\"data\":null}",
    "{\"data\":[]}",
    "{\"data\":{}}",
    "{\"data\":{\"items\":null}}",
    "{\"data\":{\"items\":{}}}",
    "{\"data\":{\"items\":\"5WX01234\"}}",
    "{\"items\":[{\"account\":{\"account-number\":\"5WX01234\"}}]}",
    "[{\"account\":{\"account-number\":\"5WX01234\"}}]",
    "{\"data\":{\"items\":[",
    "{\"data\":{\"items\":[]}",
    "<html><body>502 Bad Gateway</body></html>",
    "{\"error\":{\"code\":\"token_invalid\","
    "\"message\":\"This request requires a valid access token\"}}",
    "\xff\xfe{\"data\":{\"items\":[]}}",
  };
  gsize i;

  for (i = 0; i < G_N_ELEMENTS (junk); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) accounts = NULL;

      g_test_message ("junk %" G_GSIZE_FORMAT, i);
      accounts = parse (junk[i], &error);
      g_assert_null (accounts);
      g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
      g_assert_nonnull (error->message);
      g_assert_cmpstr (error->message, !=, "");
    }
}

/* The length counts, not a NUL: a body is not a C string. */
static void
test_account_list_length (void)
{
  static const char json[] = "{\"data\":{\"items\":[]}}garbage";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = NULL;

  accounts = tts_account_list_new_from_json (json, strlen ("{\"data\":{\"items\":[]}}"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (accounts->len, ==, 0);

  g_clear_pointer (&accounts, g_ptr_array_unref);
  accounts = tts_account_list_new_from_json (json, strlen (json), &error);
  g_assert_error (error, TTS_ERROR, TTS_ERROR_PROTOCOL);
  g_assert_null (accounts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/new", test_account_new);
  g_test_add_func ("/account/new-optional", test_account_new_optional);
  g_test_add_func ("/account/list/documented", test_account_list_documented);
  g_test_add_func ("/account/list/several", test_account_list_several);
  g_test_add_func ("/account/list/empty", test_account_list_empty);
  g_test_add_func ("/account/list/skips", test_account_list_skips);
  g_test_add_func ("/account/list/junk", test_account_list_junk);
  g_test_add_func ("/account/list/length", test_account_list_length);

  return g_test_run ();
}
