/* test-accessibility.c: the wizard as a screen reader gets it
 *
 * Runs the real program against the fake tastytrade and reads its accessible tree over AT-SPI
 * from this process, under Xvfb and dbus-run-session (see meson.build). Pages are reached
 * as a screen-reader user reaches them: buttons by their names and actions, fields by setting
 * their text, a radio row by its mnemonic. On each page, every control a user can operate
 * must have a name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atspi/atspi.h>
#include <glib/gstdio.h>

#include "tts-fake-tastytrade.h"
#include "tts-test-ports.h"

#define CLIENT_ID        "demo-client-id"
#define CLIENT_SECRET    "demo-client-secret"
#define DEADLINE_SECONDS 60
#define POLL_MS          50
#define CALL_TIMEOUT_MS  15000
#define MAX_DEPTH        64
#define ALT_MASK         (1 << 3) /* X11's Mod1Mask */

/* libatspi 2.46 defines no autoptr cleanups; own names cannot clash with later ones that do. */
typedef AtspiAccessible TtsA11yObject;
typedef AtspiStateSet TtsA11yStates;
typedef AtspiAction TtsA11yAction;
typedef AtspiEditableText TtsA11yEditableText;
typedef AtspiText TtsA11yText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsA11yObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsA11yStates, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsA11yAction, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsA11yEditableText, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TtsA11yText, g_object_unref)

typedef struct
{
  TtsFakeTastytrade *fake;
  char              *folder_path;
  GSubprocess       *program;
  gboolean           exited;
  AtspiAccessible   *app;
  AtspiAccessible   *window;
  /* The window's heading, which names the page. */
  AtspiAccessible   *title;
  /* GTK 4.8 reports "showing" on windows only; then "visible" is all there is. */
  gboolean           toolkit_reports_showing;
  /* The program's toolkit is GTK 4.gtk_minor: some roles differ between versions. */
  guint              gtk_minor;
  /* The window as last looked at, and the page it showed. */
  GPtrArray         *nodes;
  char              *page;
  /* Each unnamed control is reported once, at the first page it is seen on. */
  GHashTable        *reported;
} Fixture;

/* One object of the window's tree, and where it is. */
typedef struct
{
  AtspiAccessible *accessible;
  AtspiRole        role;
  char            *name;
  char            *path;
  AtspiStateSet   *states;
} Node;

static void
node_free (Node *node)
{
  g_clear_object (&node->accessible);
  g_clear_object (&node->states);
  g_free (node->name);
  g_free (node->path);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

static gboolean
node_has (Node           *node,
          AtspiStateType  state)
{
  return atspi_state_set_contains (node->states, state);
}

/* ---- names ---- */

/* GTK 4.8 gives an object without a name its type name (“GtkImage”), which tells a listener
 * nothing: that counts as no name. */
static gboolean
name_is_missing (const char *name)
{
  static const char * const prefixes[] = { "Gtk", "Adw", "Tts", "WebKit" };

  if (name == NULL || name[strspn (name, " \t\n")] == '\0')
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    {
      const char *rest = name + strlen (prefixes[i]);

      if (!g_str_has_prefix (name, prefixes[i]) || !g_ascii_isupper (*rest))
        continue;
      while (g_ascii_isalnum (*rest))
        rest++;
      if (*rest == '\0')
        return TRUE;
    }

  return FALSE;
}

/* GTK 4.8 names a button with a mnemonic after both its raw label and its text
 * (“_Next Next”); that form counts as the text. */
static gboolean
name_is (const char *name,
         const char *wanted)
{
  g_autofree char *doubled = NULL;
  g_autoptr(GString) plain = NULL;

  if (name == NULL)
    return FALSE;
  if (strcmp (name, wanted) == 0)
    return TRUE;

  plain = g_string_new (name);
  g_string_replace (plain, "_", "", 0);
  doubled = g_strdup_printf ("%s %s", wanted, wanted);
  return strcmp (plain->str, doubled) == 0;
}

/* Controls a user operates, which a screen reader announces by name. */
static gboolean
is_interactive (Node *node)
{
  switch (node->role)
    {
    case ATSPI_ROLE_PUSH_BUTTON:
    case ATSPI_ROLE_TOGGLE_BUTTON:
    case ATSPI_ROLE_CHECK_BOX:
    case ATSPI_ROLE_RADIO_BUTTON:
    case ATSPI_ROLE_MENU_ITEM:
    case ATSPI_ROLE_CHECK_MENU_ITEM:
    case ATSPI_ROLE_RADIO_MENU_ITEM:
    case ATSPI_ROLE_ENTRY:
    case ATSPI_ROLE_PASSWORD_TEXT:
    case ATSPI_ROLE_LINK:
    case ATSPI_ROLE_COMBO_BOX:
    case ATSPI_ROLE_SPIN_BUTTON:
    case ATSPI_ROLE_SLIDER:
    case ATSPI_ROLE_PAGE_TAB:
      return TRUE;

    /* GTK's text fields; a read-only text is something to read, not a control. */
    case ATSPI_ROLE_TEXT:
      return node_has (node, ATSPI_STATE_EDITABLE);

    /* Rows the keyboard lands on. */
    case ATSPI_ROLE_LIST_ITEM:
      return node_has (node, ATSPI_STATE_FOCUSABLE);

    default:
      return FALSE;
    }
}

/* ---- waiting ---- */

static gboolean
poll_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* The fake lives in this process: it answers the program only while the main context runs. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, poll_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (Fixture       *fixture,
                               gconstpointer  data);

static void dump_window (Fixture *fixture);

/* Looks again until @condition holds; the deadline only turns a hang into a failure. */
static void
wait_until (Fixture       *fixture,
            Condition      condition,
            gconstpointer  data,
            const char    *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!condition (fixture, data))
    {
      if (fixture->exited)
        g_error ("The program exited while the test waited for %s", what);
      if (g_get_monotonic_time () > deadline)
        {
          dump_window (fixture);
          g_error ("Timed out waiting for %s", what);
        }
      iterate_for (POLL_MS);
    }
}

/* ---- the tree ---- */

static gboolean
is_shown (Fixture       *fixture,
          AtspiStateSet *states)
{
  if (atspi_state_set_contains (states, ATSPI_STATE_SHOWING))
    return TRUE;

  return !fixture->toolkit_reports_showing &&
         atspi_state_set_contains (states, ATSPI_STATE_VISIBLE);
}

/* What collect () found an object to be. */
typedef enum
{
  FOUND_OWN,
  /* Another process's: the page in the web view, from WebKit's web process. */
  FOUND_ELSEWHERE,
  /* The program's, holding another process's objects: newer GTK (4.18 here, not 4.8) embeds
   * the page through such a socket, which WebKit puts in its web view. */
  FOUND_SOCKET,
} Found;

/* Depth first over what is shown of the program's own objects. The web view's content
 * belongs to WebKit's web process and is left out; so is what WebKit puts in the view beside
 * it (newer GTK shows its key-binding helper, a GtkTextView with no name and no size that no
 * one reaches). */
static Found
collect (Fixture         *fixture,
         AtspiAccessible *accessible,
         const char      *parent_path,
         int              index,
         guint            depth,
         GPtrArray       *nodes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Node) node = g_new0 (Node, 1);
  g_autofree char *role_name = NULL;
  g_autofree char *self = NULL;
  const char *path;
  guint position;
  gboolean holds_socket = FALSE;
  gboolean holds_elsewhere = FALSE;
  int n_children;

  if (ATSPI_OBJECT (accessible)->app != ATSPI_OBJECT (fixture->app)->app)
    return FOUND_ELSEWHERE;
  if (depth > MAX_DEPTH)
    return FOUND_OWN;

  /* Each call waits for the program; meanwhile the fake must go on answering it. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  node->states = atspi_accessible_get_state_set (accessible);
  if (!is_shown (fixture, node->states))
    return FOUND_OWN;

  node->accessible = g_object_ref (accessible);
  node->role = atspi_accessible_get_role (accessible, &error);
  g_assert_no_error (error);
  node->name = atspi_accessible_get_name (accessible, &error);
  g_assert_no_error (error);

  role_name = atspi_role_get_name (node->role);
  if (!name_is_missing (node->name))
    self = g_strdup_printf ("%s \"%s\"", role_name, node->name);
  else if (node->name != NULL && node->name[0] != '\0')
    self = g_strdup_printf ("%s[%d]<%s>", role_name, index, node->name);
  else
    self = g_strdup_printf ("%s[%d]", role_name, index);
  node->path = parent_path != NULL ? g_strconcat (parent_path, " > ", self, NULL)
                                   : g_steal_pointer (&self);
  path = node->path;
  position = nodes->len;
  g_ptr_array_add (nodes, g_steal_pointer (&node));

  n_children = atspi_accessible_get_child_count (accessible, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_children; i++)
    {
      g_autoptr(TtsA11yObject) child = atspi_accessible_get_child_at_index (accessible, i, &error);

      g_assert_no_error (error);
      if (child == NULL)
        continue;
      switch (collect (fixture, child, path, i, depth + 1, nodes))
        {
        case FOUND_ELSEWHERE:
          holds_elsewhere = TRUE;
          break;
        case FOUND_SOCKET:
          holds_socket = TRUE;
          break;
        case FOUND_OWN:
        default:
          break;
        }
    }

  /* This is the web view: what is in it is WebKit's. Its objects came right after it. */
  if (holds_socket)
    g_ptr_array_set_size (nodes, position + 1);

  return holds_elsewhere ? FOUND_SOCKET : FOUND_OWN;
}

/* Reads the whole window again. Each object is a few calls to the program, so this is done
 * once a page; what changes on it afterwards is asked of the object itself. */
static void
look (Fixture *fixture)
{
  g_clear_pointer (&fixture->nodes, g_ptr_array_unref);
  fixture->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
  collect (fixture, fixture->window, NULL, 0, 0, fixture->nodes);
}

/* The first object with @role and @name when the window was last looked at, or NULL. */
static Node *
find (Fixture    *fixture,
      AtspiRole   role,
      const char *name)
{
  for (guint i = 0; fixture->nodes != NULL && i < fixture->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (fixture->nodes, i);
      /* A toggle button is a button to a user; GTK 4.8 reports either role for one. */
      gboolean button = role == ATSPI_ROLE_PUSH_BUTTON && node->role == ATSPI_ROLE_TOGGLE_BUTTON;

      if ((node->role == role || button) && name_is (node->name, name))
        return node;
    }

  return NULL;
}

static Node *
find_or_fail (Fixture    *fixture,
              AtspiRole   role,
              const char *name)
{
  Node *node = find (fixture, role, name);

  if (node == NULL)
    {
      g_autofree char *role_name = atspi_role_get_name (role);

      /* What is shown instead, by role and name. */
      dump_window (fixture);
      g_error ("No %s named \"%s\" is shown on the \"%s\" page", role_name, name, fixture->page);
    }

  return node;
}

/* ---- roles that differ between GTK versions ---- */

/* Whether the program's toolkit gives @role to a kind of object. Each check takes the role the
 * versions run here are known to give; a version between two of those takes either. */
typedef gboolean (*RoleCheck) (Fixture   *fixture,
                               AtspiRole  role);

/* One of a group of exclusive options (a grouped GtkCheckButton): a check box up to GTK 4.8, a
 * radio button from 4.16 on (GTK's NEWS for 4.16.0: “Fix roles for radio buttons”). */
static gboolean
is_option (Fixture   *fixture,
           AtspiRole  role)
{
  return (role == ATSPI_ROLE_CHECK_BOX && fixture->gtk_minor < 16) ||
         (role == ATSPI_ROLE_RADIO_BUTTON && fixture->gtk_minor > 8);
}

/* A field that hides what is typed: text up to GTK 4.18, password text from 4.20 on (GTK's
 * NEWS for 4.20.0: “Improve handling of password entries”). */
static gboolean
is_secret_field (Fixture   *fixture,
                 AtspiRole  role)
{
  return (role == ATSPI_ROLE_TEXT && fixture->gtk_minor < 20) ||
         (role == ATSPI_ROLE_PASSWORD_TEXT && fixture->gtk_minor > 18);
}

static gboolean
is_field (Fixture   *fixture,
          AtspiRole  role)
{
  return role == ATSPI_ROLE_TEXT;
}

/* The first object in a role @check takes, named @name, or NULL. */
static Node *
find_by (Fixture    *fixture,
         RoleCheck   check,
         const char *name)
{
  for (guint i = 0; fixture->nodes != NULL && i < fixture->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (fixture->nodes, i);

      if (check (fixture, node->role) && name_is (node->name, name))
        return node;
    }

  return NULL;
}

static Node *
find_by_or_fail (Fixture    *fixture,
                 RoleCheck   check,
                 const char *what,
                 const char *name)
{
  Node *node = find_by (fixture, check, name);

  if (node == NULL)
    {
      dump_window (fixture);
      g_error ("No %s named \"%s\" is shown on the \"%s\" page (GTK 4.%u)",
               what, name, fixture->page, fixture->gtk_minor);
    }

  return node;
}

static Node *
find_option (Fixture    *fixture,
             const char *name)
{
  Node *node = find_by_or_fail (fixture, is_option, "option (check box or radio button)", name);
  g_autofree char *role_name = atspi_role_get_name (node->role);

  g_test_message ("\"%s\" is a %s", name, role_name);
  return node;
}

/* Now, not when the window was looked at. */
static gboolean
node_now_has (Node           *node,
              AtspiStateType  state)
{
  g_autoptr(TtsA11yStates) states = atspi_accessible_get_state_set (node->accessible);

  return atspi_state_set_contains (states, state);
}

/* Every control shown must have a name. Each one without is listed once and the test goes on,
 * so one run reports all of them. GTK 4.8 also shows the pages that are not current, so a
 * control may be reported on an earlier page than its own: its path says where it is. */
static void
check_names (Fixture *fixture)
{
  guint n_before = g_hash_table_size (fixture->reported);

  for (guint i = 0; i < fixture->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (fixture->nodes, i);
      g_autofree char *role_name = NULL;

      if (!is_interactive (node) || !name_is_missing (node->name) ||
          !g_hash_table_add (fixture->reported, g_strdup (node->path)))
        continue;

      role_name = atspi_role_get_name (node->role);
      g_test_message ("Unnamed %s on the \"%s\" page: %s", role_name, fixture->page, node->path);
    }

  if (g_hash_table_size (fixture->reported) > n_before)
    g_test_fail_printf ("%u control(s) have no accessible name (listed above)",
                        g_hash_table_size (fixture->reported));
}

/* What the window shows, for a failure's log. */
static void
dump_window (Fixture *fixture)
{
  if (fixture->window == NULL || fixture->exited)
    return;

  look (fixture);
  for (guint i = 0; i < fixture->nodes->len; i++)
    {
      Node *node = g_ptr_array_index (fixture->nodes, i);

      if (!name_is_missing (node->name))
        g_test_message ("%s", node->path);
    }
}

/* ---- what a user does ---- */

/* The window's heading, found by the first page's title, stays the same object as the pages
 * change. Asking it alone keeps polling cheap: while the progress page's spinner turns, each
 * call waits a frame. */
static gboolean
page_shown (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *name = NULL;

  if (fixture->title == NULL)
    {
      Node *title;

      look (fixture);
      title = find (fixture, ATSPI_ROLE_LABEL, data);
      if (title != NULL)
        fixture->title = g_object_ref (title->accessible);
      return title != NULL;
    }

  name = atspi_accessible_get_name (fixture->title, NULL);
  return g_strcmp0 (name, data) == 0;
}

/* The page's title is what a screen reader reads as the window's heading. */
static void
wait_for_page (Fixture    *fixture,
               const char *title)
{
  g_autofree char *what = g_strdup_printf ("the \"%s\" page", title);

  wait_until (fixture, page_shown, title, what);
  g_free (fixture->page);
  fixture->page = g_strdup (title);
  look (fixture);
  check_names (fixture);
}

static gboolean
enabled (Fixture       *fixture,
         gconstpointer  data)
{
  return node_now_has ((Node *) data, ATSPI_STATE_SENSITIVE);
}

/* Invokes the button's action, as a screen reader's “activate” does. */
static void
press (Fixture    *fixture,
       const char *name)
{
  g_autofree char *what = g_strdup_printf ("the \"%s\" button to be enabled", name);
  Node *button = find_or_fail (fixture, ATSPI_ROLE_PUSH_BUTTON, name);
  g_autoptr(TtsA11yAction) action = atspi_accessible_get_action_iface (button->accessible);
  g_autoptr(GError) error = NULL;

  wait_until (fixture, enabled, button, what);
  g_assert_nonnull (action);
  g_assert_cmpint (atspi_action_get_n_actions (action, &error), >, 0);
  g_assert_no_error (error);
  g_assert_true (atspi_action_do_action (action, 0, &error));
  g_assert_no_error (error);
}

/* Fields that hide what is typed. */
static const char * const secret_fields[] = { "Client Secret", "Refresh Token", NULL };

static RoleCheck
field_check (const char *name)
{
  return g_strv_contains (secret_fields, name) ? is_secret_field : is_field;
}

/* A field, or NULL. */
static Node *
find_field_shown (Fixture    *fixture,
                  const char *name)
{
  return find_by (fixture, field_check (name), name);
}

/* A field, which must be named exactly so. */
static Node *
find_field (Fixture    *fixture,
            const char *name)
{
  Node *field = find_by_or_fail (fixture, field_check (name), "field", name);

  g_assert_cmpstr (field->name, ==, name);
  g_assert_true (node_has (field, ATSPI_STATE_EDITABLE));
  return field;
}

static void
set_text (Fixture    *fixture,
          const char *field,
          const char *text)
{
  Node *node = find_field (fixture, field);
  g_autoptr(TtsA11yEditableText) editable = NULL;
  g_autoptr(GError) error = NULL;

  editable = atspi_accessible_get_editable_text_iface (node->accessible);
  g_assert_nonnull (editable);
  g_assert_true (atspi_editable_text_set_text_contents (editable, text, &error));
  g_assert_no_error (error);
}

static char *
get_text (Fixture    *fixture,
          const char *field)
{
  Node *node = find_field (fixture, field);
  g_autoptr(TtsA11yText) text = atspi_accessible_get_text_iface (node->accessible);
  g_autoptr(GError) error = NULL;
  char *contents;
  int length;

  g_assert_nonnull (text);
  /* GTK 4.8 answers an end offset of -1 with nothing. */
  length = atspi_text_get_character_count (text, &error);
  g_assert_no_error (error);
  contents = atspi_text_get_text (text, 0, length, &error);
  g_assert_no_error (error);
  return contents;
}

static char *
get_description (Fixture    *fixture,
                 const char *field)
{
  Node *node = find_field (fixture, field);
  g_autoptr(GError) error = NULL;
  char *description = atspi_accessible_get_description (node->accessible, &error);

  g_assert_no_error (error);
  return description;
}

static void
assert_description_starts (Node       *node,
                           const char *prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = atspi_accessible_get_description (node->accessible, &error);

  g_assert_no_error (error);
  if (!g_str_has_prefix (description, prefix))
    g_error ("%s: description “%s” does not start with “%s”", node->path, description, prefix);
}

static gboolean
window_active (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TtsA11yStates) states = atspi_accessible_get_state_set (fixture->window);

  return atspi_state_set_contains (states, ATSPI_STATE_ACTIVE);
}

/* Alt and a letter, through AT-SPI's keyboard, as a keyboard user picks a row by its
 * mnemonic. GTK 4.8 gives check buttons no action to invoke instead. */
static void
press_mnemonic (Fixture *fixture,
                char     letter)
{
  g_autoptr(GError) error = NULL;

  wait_until (fixture, window_active, NULL, "the window to have the keyboard focus");
  g_assert_true (atspi_generate_keyboard_event (ALT_MASK, NULL, ATSPI_KEY_LOCKMODIFIERS, &error));
  g_assert_no_error (error);
  g_assert_true (atspi_generate_keyboard_event (letter, NULL, ATSPI_KEY_SYM, &error));
  g_assert_no_error (error);
  g_assert_true (atspi_generate_keyboard_event (ALT_MASK, NULL, ATSPI_KEY_UNLOCKMODIFIERS, &error));
  g_assert_no_error (error);
}

static gboolean
checked (Fixture       *fixture,
         gconstpointer  data)
{
  return node_now_has ((Node *) data, ATSPI_STATE_CHECKED);
}

typedef struct
{
  Node       *node;
  const char *name;
} Renaming;

static gboolean
renamed (Fixture       *fixture,
         gconstpointer  data)
{
  const Renaming *renaming = data;
  g_autofree char *name = atspi_accessible_get_name (renaming->node->accessible, NULL);

  return g_strcmp0 (name, renaming->name) == 0;
}

/* ---- the program ---- */

static gboolean
program_found (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TtsA11yObject) desktop = atspi_get_desktop (0);
  const char *identifier = g_subprocess_get_identifier (fixture->program);
  guint pid;
  int n_apps;

  g_assert_nonnull (identifier);
  pid = (guint) g_ascii_strtoull (identifier, NULL, 10);

  atspi_accessible_clear_cache (desktop);
  n_apps = atspi_accessible_get_child_count (desktop, NULL);
  for (int i = 0; i < n_apps; i++)
    {
      g_autoptr(TtsA11yObject) app = atspi_accessible_get_child_at_index (desktop, i, NULL);

      if (app != NULL && atspi_accessible_get_process_id (app, NULL) == pid)
        {
          g_set_object (&fixture->app, app);
          return TRUE;
        }
    }

  return FALSE;
}

/* The program is another process: it says which toolkit it runs, as it does to a screen
 * reader. */
static void
read_toolkit (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = atspi_accessible_get_toolkit_name (fixture->app, &error);
  g_autofree char *version = NULL;
  guint major = 0;

  g_assert_no_error (error);
  version = atspi_accessible_get_toolkit_version (fixture->app, &error);
  g_assert_no_error (error);
  g_test_message ("The program runs %s %s", name, version);
  g_assert_cmpstr (name, ==, "GTK");
  g_assert_cmpint (sscanf (version, "%u.%u", &major, &fixture->gtk_minor), ==, 2);
  g_assert_cmpuint (major, ==, 4);
}

/* The window, once its pages are in the tree. */
static gboolean
window_filled (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(TtsA11yObject) window = atspi_accessible_get_child_at_index (fixture->app, 0, NULL);
  g_autoptr(TtsA11yObject) content = NULL;
  g_autoptr(TtsA11yStates) states = NULL;

  if (window == NULL || atspi_accessible_get_role (window, NULL) != ATSPI_ROLE_FRAME)
    return FALSE;
  content = atspi_accessible_get_child_at_index (window, 0, NULL);
  if (content == NULL)
    return FALSE;

  g_set_object (&fixture->window, window);
  states = atspi_accessible_get_state_set (content);
  fixture->toolkit_reports_showing = atspi_state_set_contains (states, ATSPI_STATE_SHOWING);
  return TRUE;
}

static void
program_exited_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL));
  fixture->exited = TRUE;
}

static void
child_setup (gpointer user_data)
{
  /* A failed assertion here must not leave the program running. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_program (Fixture *fixture)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *redirect_uri = NULL;
  const char *program = g_getenv ("TTS_SETUP_PROGRAM");
  const char *schema_dir = g_getenv ("GSETTINGS_SCHEMA_DIR");
  const char *auth_uri = tts_fake_tastytrade_get_auth_uri (fixture->fake);
  const char *api_uri = tts_fake_tastytrade_get_api_uri (fixture->fake);

  g_assert_nonnull (program);
  g_assert_nonnull (schema_dir);

  redirect_uri = g_strdup_printf ("http://localhost:%u", tts_test_free_port ());
  tts_fake_tastytrade_add_client (fixture->fake, CLIENT_ID, CLIENT_SECRET, redirect_uri);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  /* The names checked are the English ones. */
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");
  /* The bridge is what is under test. */
  g_subprocess_launcher_unsetenv (launcher, "NO_AT_BRIDGE");
  g_subprocess_launcher_unsetenv (launcher, "GTK_A11Y");
  /* Our stdout is the TAP stream. */
  g_subprocess_launcher_take_stdout_fd (launcher, dup (STDERR_FILENO));
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);

  fixture->program = g_subprocess_launcher_spawn (launcher, &error, program,
                                                  "--auth-url", auth_uri,
                                                  "--api-url", api_uri,
                                                  "--redirect-uri", redirect_uri,
                                                  "--output", fixture->folder_path,
                                                  NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (fixture->program, NULL, program_exited_cb, fixture);

  wait_until (fixture, program_found, NULL, "the program on the accessibility bus");
  /* Ask the program every time: libatspi's cache follows events that may not have come yet. */
  atspi_accessible_set_cache_mask (fixture->app, ATSPI_CACHE_NONE);
  read_toolkit (fixture);
  wait_until (fixture, window_filled, NULL, "the program's window");
}

static void
assert_program_exits_cleanly (Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_SECONDS * G_USEC_PER_SEC;

  while (!fixture->exited)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for the program to exit");
      iterate_for (POLL_MS);
    }

  g_assert_true (g_subprocess_get_if_exited (fixture->program));
  g_assert_cmpint (g_subprocess_get_exit_status (fixture->program), ==, 0);
}

/* libatspi warns when it asks a new application for its object cache before that is set up,
 * then asks object by object, as this test does anyway. Its other warnings stay fatal; its own
 * handler keeps GTest from announcing the harmless one as a bail-out. */
static gboolean
harmless (const char *log_domain,
          const char *message)
{
  return g_strcmp0 (log_domain, "dbind") == 0 && strstr (message, "Error in GetItems") != NULL;
}

static void
atspi_log_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  g_printerr ("%s: %s\n", log_domain, message);
}

static gboolean
fatal_log_cb (const char     *log_domain,
              GLogLevelFlags  log_level,
              const char     *message,
              gpointer        user_data)
{
  return !harmless (log_domain, message);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Set per test: GTest resets it before each one. */
  g_test_log_set_fatal_handler (fatal_log_cb, NULL);

  fixture->reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fixture->fake = tts_fake_tastytrade_new ();
  g_assert_true (tts_fake_tastytrade_start (fixture->fake, 0, &error));
  g_assert_no_error (error);
  tts_fake_tastytrade_add_account (fixture->fake, "5WX01234", "Individual", "Individual", "owner");

  fixture->folder_path = g_dir_make_tmp ("tts-a11y-XXXXXX", &error);
  g_assert_no_error (error);

  start_program (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *secrets = g_build_filename (fixture->folder_path, ".secrets", NULL);

  if (!fixture->exited)
    {
      g_subprocess_force_exit (fixture->program);
      while (!fixture->exited)
        g_main_context_iteration (NULL, TRUE);
    }
  g_clear_object (&fixture->program);
  g_clear_object (&fixture->title);
  g_clear_object (&fixture->window);
  g_clear_object (&fixture->app);
  g_clear_object (&fixture->fake);
  g_unlink (secrets);
  g_rmdir (fixture->folder_path);
  g_clear_pointer (&fixture->folder_path, g_free);
  g_clear_pointer (&fixture->nodes, g_ptr_array_unref);
  g_clear_pointer (&fixture->page, g_free);
  g_clear_pointer (&fixture->reported, g_hash_table_unref);
}

static gboolean
field_shown (Fixture       *fixture,
             gconstpointer  data)
{
  look (fixture);
  return find_field_shown (fixture, data) != NULL;
}

static gboolean
button_shown (Fixture       *fixture,
              gconstpointer  data)
{
  look (fixture);
  return find (fixture, ATSPI_ROLE_PUSH_BUTTON, data) != NULL;
}

static gboolean
description_is (Fixture       *fixture,
                gconstpointer  data)
{
  const char * const *field_and_text = data;
  g_autofree char *description = get_description (fixture, field_and_text[0]);

  return g_strcmp0 (description, field_and_text[1]) == 0;
}

/* ---- the walks ---- */

/* The first page says what the assistant does, in words a screen reader reads. */
static void
pass_welcome (Fixture *fixture)
{
  wait_for_page (fixture, "Welcome");
  find_or_fail (fixture, ATSPI_ROLE_LABEL, "Connect Your Scripts to tastytrade");
  g_assert_null (find (fixture, ATSPI_ROLE_PUSH_BUTTON, "Back"));
  press (fixture, "Next");
}

/* Start, credentials, the sign-in page and back, then the window's Close button. */
static void
test_sign_in_pages (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const paste_error[] = {
    "Address",
    "This is not the address your browser ended on. Copy the whole "
    "address from the browser’s address bar.",
  };
  g_autofree char *client_id = NULL;
  g_autofree char *hint = NULL;
  Node *sign_in;

  pass_welcome (fixture);
  wait_for_page (fixture, "Before You Start");
  sign_in = find_option (fixture, "Sign in to tastytrade");
  g_assert_true (checked (fixture, sign_in));
  /* The two ways in are one group, and are heard as one. */
  g_assert_cmpint (find_option (fixture, "I already have a refresh token")->role, ==,
                   sign_in->role);
  press (fixture, "Next");

  wait_for_page (fixture, "Your OAuth App");
  g_assert_null (find_field_shown (fixture, "Refresh Token"));
  /* The hint under the fields is read with the field it is about. */
  hint = get_description (fixture, "Client ID");
  g_assert_cmpstr (hint, ==, "Enter the Client ID.");
  set_text (fixture, "Client ID", CLIENT_ID);
  set_text (fixture, "Client Secret", CLIENT_SECRET);
  client_id = get_text (fixture, "Client ID");
  g_assert_cmpstr (client_id, ==, CLIENT_ID);
  press (fixture, "Sign In");

  wait_for_page (fixture, "Sign In to tastytrade");
  /* Where the password goes, and how safely, is said in words too. */
  find_or_fail (fixture, ATSPI_ROLE_LABEL, "You are signing in at 127.0.0.1");
  find_or_fail (fixture, ATSPI_ROLE_IMAGE, "Connection is not encrypted");

  /* The other ways in are named too, and what is wrong with a pasted address is read with
   * the field. */
  press (fixture, "Copy Link");
  wait_until (fixture, field_shown, "Address", "the field for the address the browser ends on");
  /* Copy Link's toast: its close button is named by the program up to libadwaita 1.6, by
   * its tooltip after. */
  wait_until (fixture, button_shown, "Dismiss", "the toast's close button");
  check_names (fixture);
  set_text (fixture, "Address", "not an address");
  press (fixture, "Continue");
  wait_until (fixture, description_is, paste_error, "the paste error on the field");
  press (fixture, "Cancel");

  wait_for_page (fixture, "Your OAuth App");
  press (fixture, "Close");
  assert_program_exits_cleanly (fixture);
}

/* A refresh token from Create Grant: a revoked one first (the error page), then a good one
 * (the done page), then the page's Close action. */
static void
test_refresh_token_pages (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *revoked = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);
  g_autofree char *grant = NULL;
  g_autofree char *secrets_path = g_build_filename (fixture->folder_path, ".secrets", NULL);
  g_autofree char *secrets = NULL;
  Renaming hide = { NULL, "Hide Refresh Token" };
  Node *has_token;
  struct stat st;

  tts_fake_tastytrade_revoke_grants (fixture->fake, CLIENT_ID);
  grant = tts_fake_tastytrade_create_grant (fixture->fake, CLIENT_ID);

  pass_welcome (fixture);
  wait_for_page (fixture, "Before You Start");
  has_token = find_option (fixture, "I already have a refresh token");
  press_mnemonic (fixture, 'r'); /* I already have a _refresh token */
  wait_until (fixture, checked, has_token, "the radio to be chosen");
  press (fixture, "Next");

  wait_for_page (fixture, "Your OAuth App");
  set_text (fixture, "Client ID", CLIENT_ID);
  set_text (fixture, "Client Secret", CLIENT_SECRET);
  set_text (fixture, "Refresh Token", revoked);
  press (fixture, "Check and Save");

  wait_for_page (fixture, "Not Finished");
  g_assert_false (g_file_test (secrets_path, G_FILE_TEST_EXISTS));
  /* The focused action carries what went wrong, so it is heard without looking around. */
  assert_description_starts (find_or_fail (fixture, ATSPI_ROLE_PUSH_BUTTON, "Try Again"),
                             "Token Not Accepted\n");
  press (fixture, "Back");

  wait_for_page (fixture, "Your OAuth App");
  set_text (fixture, "Refresh Token", grant);
  press (fixture, "Check and Save");

  wait_for_page (fixture, "All Set");
  assert_description_starts (find_or_fail (fixture, ATSPI_ROLE_PUSH_BUTTON, "Close"),
                             "Your Token Works and Is Saved\n");
  find_or_fail (fixture, ATSPI_ROLE_LIST_ITEM, "5WX01234");
  find_or_fail (fixture, ATSPI_ROLE_PUSH_BUTTON, "Copy Refresh Token");
  /* The reveal button's name says what it does next. */
  hide.node = find_or_fail (fixture, ATSPI_ROLE_PUSH_BUTTON, "Show Refresh Token");
  press (fixture, "Show Refresh Token");
  wait_until (fixture, renamed, &hide, "the button to be named Hide Refresh Token");
  press (fixture, "Close");
  assert_program_exits_cleanly (fixture);

  g_assert_cmpint (g_stat (secrets_path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (secrets_path, &secrets, NULL, NULL));
  g_assert_nonnull (strstr (secrets, "TT_API_CLIENT_ID=" CLIENT_ID "\n"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_log_set_handler ("dbind", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL, atspi_log_cb, NULL);
  g_assert_cmpint (atspi_init (), ==, 0);
  /* libatspi gives up on a call after 800 ms, and then reports an interface as missing; a
   * program built with AddressSanitizer can take longer while it draws. */
  atspi_set_timeout (CALL_TIMEOUT_MS, CALL_TIMEOUT_MS);

#define ADD(path, func) \
  g_test_add ("/accessibility/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("sign-in-pages", test_sign_in_pages);
  ADD ("refresh-token-pages", test_refresh_token_pages);

#undef ADD

  status = g_test_run ();
  atspi_exit ();

  return status;
}
