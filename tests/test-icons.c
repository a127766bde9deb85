/* test-icons.c: every icon the UI names resolves in the icon theme the program sets up
 *
 * Icon themes drop names (Adwaita 48 lost emblem-ok-symbolic, and keeps others only as
 * “legacy”), and a missing name shows as a broken image. The names come from the .ui files
 * in the program's GResource and from its C sources, read at test time, so no list here can
 * go stale; a C call that names an icon the test cannot read fails too.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <adwaita.h>
#include <string.h>

#include "tts-application.h"

#define BASE_PATH "/io/github/tastytrade_setup/TastytradeSetup"

static GtkIconTheme *theme;

/* Where a name comes from, for the failure message. */
static void
add_name (GHashTable *names,
          const char *name,
          const char *where)
{
  if (!g_hash_table_contains (names, name))
    g_hash_table_insert (names, g_strdup (name), g_strdup (where));
}

/* ---- .ui files ---- */

typedef struct
{
  GHashTable *names;
  const char *path;
  gboolean    in_icon;
  GString    *text;
} UiScan;

static gboolean
is_icon_property (const char  *element,
                  const char **attribute_names,
                  const char **attribute_values)
{
  /* <property name="icon-name"> on widgets, <attribute name="icon"> on menu items. */
  for (guint i = 0; attribute_names[i] != NULL; i++)
    {
      if (strcmp (attribute_names[i], "name") != 0)
        continue;
      if (strcmp (element, "property") == 0)
        return g_str_has_suffix (attribute_values[i], "icon-name")
               || g_str_has_suffix (attribute_values[i], "icon_name");
      if (strcmp (element, "attribute") == 0)
        return strcmp (attribute_values[i], "icon") == 0
               || strcmp (attribute_values[i], "verb-icon") == 0;
    }
  return FALSE;
}

static void
ui_start_cb (GMarkupParseContext  *context,
             const char           *element,
             const char          **attribute_names,
             const char          **attribute_values,
             gpointer              user_data,
             GError              **error)
{
  UiScan *scan = user_data;

  scan->in_icon = is_icon_property (element, attribute_names, attribute_values);
  g_string_truncate (scan->text, 0);
}

static void
ui_text_cb (GMarkupParseContext  *context,
            const char           *text,
            gsize                 len,
            gpointer              user_data,
            GError              **error)
{
  UiScan *scan = user_data;

  if (scan->in_icon)
    g_string_append_len (scan->text, text, len);
}

static void
ui_end_cb (GMarkupParseContext  *context,
           const char           *element,
           gpointer              user_data,
           GError              **error)
{
  UiScan *scan = user_data;
  g_autofree char *name = NULL;

  if (!scan->in_icon)
    return;
  scan->in_icon = FALSE;
  name = g_strstrip (g_strdup (scan->text->str));
  /* A bound or empty icon-name names nothing. No line: xml-stripblanks moved them. */
  if (*name != '\0')
    add_name (scan->names, name, scan->path);
}

static void
scan_resource_ui (const char *dir,
                  GHashTable *names,
                  guint      *n_files)
{
  g_auto(GStrv) children = NULL;

  children = g_resources_enumerate_children (dir, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  for (guint i = 0; children != NULL && children[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (dir, children[i], NULL);
      static const GMarkupParser parser = { ui_start_cb, ui_end_cb, ui_text_cb, NULL, NULL };
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GMarkupParseContext) context = NULL;
      g_autoptr(GError) error = NULL;
      UiScan scan = { names, path, FALSE, NULL };
      gsize size;
      const char *data;

      if (g_str_has_suffix (children[i], "/"))
        {
          scan_resource_ui (path, names, n_files);
          continue;
        }
      if (!g_str_has_suffix (children[i], ".ui"))
        continue;

      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      g_assert_no_error (error);
      data = g_bytes_get_data (bytes, &size);
      scan.text = g_string_new (NULL);
      context = g_markup_parse_context_new (&parser, 0, &scan, NULL);
      g_markup_parse_context_parse (context, data, size, &error);
      if (error == NULL)
        g_markup_parse_context_end_parse (context, &error);
      g_string_free (scan.text, TRUE);
      g_assert_no_error (error);
      (*n_files)++;
    }
}

/* ---- C sources ---- */

/* The source with comments and character constants blanked out (same length, same lines), so
 * that a quote in either cannot be read as the start of a string literal. */
static char *
blank_comments_and_chars (const char *text)
{
  char *code = g_strdup (text);

  for (char *p = code; *p != '\0'; p++)
    {
      if (p[0] == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            if (p[0] == '\\' && p[1] != '\0')
              p++;
          if (*p == '\0')
            break;
        }
      else if (p[0] == '\'')
        {
          char *start = p;

          for (p++; *p != '\0' && *p != '\''; p++)
            if (p[0] == '\\' && p[1] != '\0')
              p++;
          if (*p == '\0')
            break;
          memset (start, ' ', p - start + 1);
        }
      else if (p[0] == '/' && p[1] == '*')
        {
          for (; *p != '\0' && !(p[0] == '*' && p[1] == '/'); p++)
            if (*p != '\n')
              *p = ' ';
          if (*p == '\0')
            break;
          p[0] = p[1] = ' ';
          p++;
        }
      else if (p[0] == '/' && p[1] == '/')
        {
          for (; *p != '\0' && *p != '\n'; p++)
            *p = ' ';
          if (*p == '\0')
            break;
        }
    }
  return code;
}

static int
line_at (const char *code,
         gsize       offset)
{
  int line = 1;

  for (gsize i = 0; i < offset; i++)
    if (code[i] == '\n')
      line++;
  return line;
}

/* The literals between the parenthesis at OPEN and its partner; FALSE if there are none. */
static gboolean
add_call_literals (const char *code,
                   gsize       open,
                   GHashTable *names,
                   const char *where)
{
  static GRegex *literal;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *args = NULL;
  gboolean found = FALSE;
  int depth = 0;
  gsize end;

  if (literal == NULL)
    literal = g_regex_new ("\"((?:[^\"\\\\]|\\\\.)*)\"", G_REGEX_OPTIMIZE, 0, NULL);

  for (end = open; code[end] != '\0'; end++)
    {
      if (code[end] == '"')
        for (end++; code[end] != '\0' && code[end] != '"'; end++)
          if (code[end] == '\\' && code[end + 1] != '\0')
            end++;
      if (code[end] == '(')
        depth++;
      else if (code[end] == ')' && --depth == 0)
        break;
    }
  args = g_strndup (code + open, end - open);

  for (g_regex_match (literal, args, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);

      add_name (names, name, where);
      found = TRUE;
    }
  return found;
}

static void
scan_c_source (const char *path,
               const char *relative,
               GHashTable *names,
               GPtrArray  *unreadable)
{
  static GRegex *symbolic, *call, *property;
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;

  if (symbolic == NULL)
    {
      /* Any literal that looks like a symbolic icon's name, wherever it is kept. */
      symbolic = g_regex_new ("\"([a-z0-9][a-z0-9._-]*-symbolic)\"", G_REGEX_OPTIMIZE, 0, NULL);
      /* Calls that set or make an icon by name: gtk_image_set_from_icon_name,
       * adw_status_page_set_icon_name, gtk_button_new_from_icon_name, g_themed_icon_new,
       * gtk_window_set_default_icon_name, gtk_icon_theme_lookup_icon… Getters name none. */
      call = g_regex_new ("\\b(?!\\w*_get_)"
                          "(\\w*icon_name\\w*|g_themed_icon_new\\w*|\\w*lookup_icon)\\s*\\(",
                          G_REGEX_OPTIMIZE, 0, NULL);
      /* The property in g_object_new, g_object_set, g_object_bind_property… */
      property = g_regex_new ("\"(?:[a-z-]*-)?icon[-_]name\"\\s*,\\s*(\"((?:[^\"\\\\]|\\\\.)*)\")?",
                              G_REGEX_OPTIMIZE, 0, NULL);
    }

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  code = blank_comments_and_chars (text);

  for (g_regex_match (symbolic, code, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);
      g_autofree char *where = NULL;
      int start;

      g_match_info_fetch_pos (match, 0, &start, NULL);
      where = g_strdup_printf ("%s:%d", relative, line_at (code, start));
      add_name (names, name, where);
    }
  g_clear_pointer (&match, g_match_info_free);

  /* Calls and properties in code only: a header's prototypes name no icon. */
  if (!g_str_has_suffix (path, ".c"))
    return;

  for (g_regex_match (call, code, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *where = NULL;
      int start, end;

      g_match_info_fetch_pos (match, 0, &start, &end);
      /* A definition of such a function (its name starts the line) is no use of it. */
      if (start > 0 && code[start - 1] == '\n')
        continue;
      where = g_strdup_printf ("%s:%d", relative, line_at (code, start));
      if (!add_call_literals (code, end - 1, names, where))
        g_ptr_array_add (unreadable, g_steal_pointer (&where));
    }
  g_clear_pointer (&match, g_match_info_free);

  for (g_regex_match (property, code, 0, &match); g_match_info_matches (match);
       g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 2);
      g_autofree char *where = NULL;
      int start;

      g_match_info_fetch_pos (match, 0, &start, NULL);
      where = g_strdup_printf ("%s:%d", relative, line_at (code, start));
      if (name == NULL || *name == '\0')
        g_ptr_array_add (unreadable, g_steal_pointer (&where));
      else
        add_name (names, name, where);
    }
}

static void
scan_c_sources (GFile      *dir,
                GFile      *top,
                GHashTable *names,
                GPtrArray  *unreadable,
                guint      *n_files)
{
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) error = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                        G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  g_assert_no_error (error);
  while ((info = g_file_enumerator_next_file (children, NULL, &error)) != NULL)
    {
      g_autoptr(GFileInfo) owned = info;
      const char *name = g_file_info_get_name (info);
      g_autoptr(GFile) child = g_file_get_child (dir, name);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        scan_c_sources (child, top, names, unreadable, n_files);
      else if (g_str_has_suffix (name, ".c") || g_str_has_suffix (name, ".h"))
        {
          g_autofree char *path = g_file_get_path (child);
          g_autofree char *relative = g_file_get_relative_path (top, child);

          scan_c_source (path, relative, names, unreadable);
          (*n_files)++;
        }
    }
  g_assert_no_error (error);
}

/* ---- resolving ---- */

static char *
describe_source (const char *name)
{
  g_autoptr(GtkIconPaintable) icon = NULL;
  g_autoptr(GFile) file = NULL;

  icon = gtk_icon_theme_lookup_icon (theme, name, NULL, 16, 1, GTK_TEXT_DIR_NONE, 0);
  file = gtk_icon_paintable_get_file (icon);
  return file != NULL ? g_file_get_uri (file) : g_strdup ("(no file)");
}

/* Whether the program ships NAME in its own resource (under any context). */
static gboolean
is_shipped (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contexts = NULL;

  contexts = g_resources_enumerate_children (BASE_PATH "/icons/scalable/",
                                             G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  for (guint i = 0; contexts != NULL && contexts[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (BASE_PATH "/icons/scalable/", contexts[i], name, ".svg",
                                           NULL);

      if (g_resources_get_info (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
        return TRUE;
    }
  return FALSE;
}

/* The names that do not resolve, with why, joined into one line; empty if all do. */
static GString *
find_unresolved (GHashTable *names)
{
  GString *missing = g_string_new (NULL);
  g_autoptr(GList) sorted = g_list_sort (g_hash_table_get_keys (names), (GCompareFunc) strcmp);

  for (GList *l = sorted; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const char *where = g_hash_table_lookup (names, name);
      g_autofree char *source = NULL;
      const char *problem = NULL;

      if (!gtk_icon_theme_has_icon (theme, name))
        problem = "not in the icon theme";
      else
        {
          source = describe_source (name);
          /* Named in the theme but not drawable here, as with SVG icons and no SVG loader. */
          if (strstr (source, "/image-missing.") != NULL)
            problem = "found but cannot be loaded";
          /* A name the theme keeps only as “legacy” is on its way out: the program ships it. */
          else if (strstr (source, "/legacy/") != NULL && !is_shipped (name))
            problem = "only a legacy icon in the theme";
        }
      g_test_message ("%s (%s): %s%s%s", name, where, source ? source : "",
                      source && problem ? ": " : "", problem ? problem : "");
      if (problem != NULL)
        g_string_append_printf (missing, "%s%s (%s)", missing->len > 0 ? ", " : "", name, problem);
    }
  return missing;
}

static void
assert_all_resolve (GHashTable *names)
{
  g_autoptr(GString) missing = find_unresolved (names);

  if (missing->len > 0)
    g_test_fail_printf ("Icons that do not resolve (ship them in %s/icons/scalable/CONTEXT/): %s",
                        BASE_PATH, missing->str);
}

/* ---- tests ---- */

static void
test_ui_files (void)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n_files = 0;

  scan_resource_ui (BASE_PATH "/", names, &n_files);
  g_test_message ("%u .ui files, %u icon names", n_files, g_hash_table_size (names));
  /* The scan itself works: the done page's icon is among the names. */
  g_assert_cmpuint (n_files, >, 0);
  g_assert_true (g_hash_table_contains (names, "emblem-ok-symbolic"));
  assert_all_resolve (names);
}

static void
test_c_sources (void)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) unreadable = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "..", "src", NULL);
  g_autoptr(GFile) top = g_file_new_for_path (src);
  guint n_files = 0;

  scan_c_sources (top, top, names, unreadable, &n_files);
  g_test_message ("%u C sources, %u icon names", n_files, g_hash_table_size (names));
  g_assert_cmpuint (n_files, >, 0);
  /* The scan itself works: names from all three kinds of call are found. */
  g_assert_true (g_hash_table_contains (names, "view-reveal-symbolic"));
  g_assert_true (g_hash_table_contains (names, "channel-insecure-symbolic"));
  g_assert_true (g_hash_table_contains (names, "dialog-warning-symbolic"));

  if (unreadable->len > 0)
    {
      g_autoptr(GString) missing = find_unresolved (names);
      g_autofree char *places = NULL;

      /* One message: GTest keeps only the last. */
      g_ptr_array_add (unreadable, NULL);
      places = g_strjoinv (", ", (char **) unreadable->pdata);
      g_test_fail_printf ("Icons named by something other than a string literal, which this test "
                          "cannot check (name them in the call): %s%s%s", places,
                          missing->len > 0 ? "; icons that do not resolve: " : "", missing->str);
      return;
    }
  assert_all_resolve (names);
}

/* The shipped icons are in a folder the icon theme reads and are named by the program. */
static void
test_shipped_icons (void)
{
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) unreadable = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *src = g_test_build_filename (G_TEST_DIST, "..", "src", NULL);
  g_autoptr(GFile) top = g_file_new_for_path (src);
  g_auto(GStrv) contexts = NULL;
  guint n_files = 0, n_icons = 0;

  scan_resource_ui (BASE_PATH "/", names, &n_files);
  scan_c_sources (top, top, names, unreadable, &n_files);

  contexts = g_resources_enumerate_children (BASE_PATH "/icons/scalable/",
                                             G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  for (guint i = 0; contexts != NULL && contexts[i] != NULL; i++)
    {
      g_autofree char *dir = g_strconcat (BASE_PATH "/icons/scalable/", contexts[i], NULL);
      g_auto(GStrv) files = g_resources_enumerate_children (dir, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                            NULL);

      for (guint j = 0; files != NULL && files[j] != NULL; j++)
        {
          g_autofree char *name = g_strndup (files[j], strlen (files[j]) - strlen (".svg"));
          g_autofree char *source = NULL;

          g_assert_true (g_str_has_suffix (files[j], "-symbolic.svg"));
          g_assert_true (gtk_icon_theme_has_icon (theme, name));
          /* An icon nothing names any more is dead weight: remove it with its last use. */
          if (!g_hash_table_contains (names, name))
            g_test_fail_printf ("%s%s is shipped but named nowhere", dir, files[j]);
          source = describe_source (name);
          g_test_message ("shipped: %s%s; the theme gives %s", dir, files[j], source);
          n_icons++;
        }
    }
  g_assert_cmpuint (n_icons, >, 0);
}

/* The desktop entry's icon, as installed into $datadir/icons from data/icons. */
static void
test_app_icon (void)
{
  g_autofree char *data = g_test_build_filename (G_TEST_DIST, "..", "data", NULL);
  g_autofree char *icons = g_build_filename (data, "icons", NULL);
  g_autofree char *desktop = NULL;
  g_autofree char *icon = NULL;
  g_autofree char *symbolic = NULL;
  g_autoptr(GKeyFile) entry = g_key_file_new ();
  g_autoptr(GtkIconTheme) installed = gtk_icon_theme_new ();
  g_autoptr(GError) error = NULL;
  const char * const *system_dirs = g_get_system_data_dirs ();
  g_autoptr(GStrvBuilder) path = g_strv_builder_new ();
  g_auto(GStrv) search_path = NULL;

  desktop = g_build_filename (data, "io.github.tastytrade_setup.TastytradeSetup.desktop.in", NULL);
  g_key_file_load_from_file (entry, desktop, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  icon = g_key_file_get_string (entry, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON,
                                &error);
  g_assert_no_error (error);
  symbolic = g_strconcat (icon, "-symbolic", NULL);

  /* Only hicolor's folder index from the system: the icons themselves come from data/. */
  g_strv_builder_add (path, icons);
  for (guint i = 0; system_dirs[i] != NULL; i++)
    {
      g_autofree char *dir = g_build_filename (system_dirs[i], "icons", NULL);

      g_strv_builder_add (path, dir);
    }
  search_path = g_strv_builder_end (path);
  gtk_icon_theme_set_search_path (installed, (const char * const *) search_path);

  g_assert_true (gtk_icon_theme_has_icon (installed, icon));
  g_assert_true (gtk_icon_theme_has_icon (installed, symbolic));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TtsApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) resource_path = NULL;
  int status;

  gtk_test_init (&argc, &argv, NULL);

  /* The real application's start-up adds <resource-base-path>/icons to the display's icon
   * theme, as when the program runs. Not unique: no other instance to defer to. */
  app = tts_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app))
                           | G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);
  theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  resource_path = gtk_icon_theme_get_resource_path (theme);
  /* GtkApplication adds it with a trailing slash. */
  g_assert_true (g_strv_contains ((const char * const *) resource_path, BASE_PATH "/icons/")
                 || g_strv_contains ((const char * const *) resource_path, BASE_PATH "/icons"));

  g_test_add_func ("/icons/ui-files", test_ui_files);
  g_test_add_func ("/icons/c-sources", test_c_sources);
  g_test_add_func ("/icons/shipped", test_shipped_icons);
  g_test_add_func ("/icons/app-icon", test_app_icon);

  status = g_test_run ();
  g_application_quit (G_APPLICATION (app));
  return status;
}
