/* tts-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tts-error.h"

G_DEFINE_QUARK (tts-error-quark, tts_error)

const char *
tts_error_get_title (const GError *error)
{
  if (error == NULL || error->domain != TTS_ERROR)
    return _("Something Went Wrong");

  switch ((TtsErrorCode) error->code)
    {
    case TTS_ERROR_INVALID_INPUT:
      return _("Check What You Entered");
    case TTS_ERROR_STATE_MISMATCH:
    case TTS_ERROR_AUTHORIZATION_FAILED:
      return _("Sign-In Did Not Finish");
    case TTS_ERROR_ACCESS_DENIED:
      return _("Access Was Not Granted");
    case TTS_ERROR_INVALID_CLIENT:
      return _("Client ID or Secret Not Accepted");
    case TTS_ERROR_INVALID_GRANT:
      return _("Token Not Accepted");
    case TTS_ERROR_FORBIDDEN:
      return _("Token Cannot Read Accounts");
    case TTS_ERROR_SERVICE_UNAVAILABLE:
      return _("tastytrade Is Not Answering");
    case TTS_ERROR_NETWORK:
    case TTS_ERROR_TIMEOUT:
      return _("No Connection to tastytrade");
    case TTS_ERROR_TLS:
      return _("Connection Is Not Secure");
    case TTS_ERROR_PROTOCOL:
      return _("Unexpected Answer From tastytrade");
    case TTS_ERROR_PORT_IN_USE:
      return _("Port Already in Use");
    case TTS_ERROR_UNSAFE_FILE:
    case TTS_ERROR_WRITE_FAILED:
      return _("Could Not Save the File");
    case TTS_ERROR_PAGE_LOAD_FAILED:
      return _("Sign-In Page Could Not Be Shown");
    case TTS_ERROR_INSTALLATION:
      return _("Part of the Program Is Missing");
    case TTS_ERROR_NO_CREDENTIALS:
      return _("No Credentials to Check");
    case TTS_ERROR_SIGN_IN_EXPIRED:
      return _("Sign-In Took Too Long");
    case TTS_ERROR_NOT_A_CUSTOMER:
      return _("No Opened Account");
    case TTS_ERROR_MARKET_DATA_NOT_GRANTED:
      return _("Market Data Not Granted");
    case TTS_ERROR_QUOTE_TOKEN_REJECTED:
      return _("Quote Stream Refused");
    case TTS_ERROR_NO_QUOTE:
      return _("No Quote Yet");
    case TTS_ERROR_SANDBOX_MARKET_DATA:
      return _("No Market Data in the Sandbox");
    case TTS_ERROR_FAILED:
    default:
      return _("Something Went Wrong");
    }
}

const char *
tts_error_get_remedy (const GError *error)
{
  if (error == NULL || error->domain != TTS_ERROR)
    return _("Try again. If it keeps failing, restart the program.");

  switch ((TtsErrorCode) error->code)
    {
    case TTS_ERROR_INVALID_INPUT:
      return _("Correct the highlighted field and try again.");
    case TTS_ERROR_STATE_MISMATCH:
      return _("Start the sign-in again from this window. Nothing was saved.");
    case TTS_ERROR_ACCESS_DENIED:
      return _("Sign in again and choose to allow access. Only read access is requested.");
    case TTS_ERROR_AUTHORIZATION_FAILED:
      return _("Check that your OAuth app on tastytrade’s site has the redirect URI "
               "http://localhost:8000 and Read permission, then try again.");
    case TTS_ERROR_INVALID_CLIENT:
      return _("Copy the Client ID and Client Secret again from tastytrade’s site, and make "
               "sure Production or Sandbox matches where you created the app.");
    case TTS_ERROR_INVALID_GRANT:
      return _("Get a new refresh token by signing in again with Tastytrade API Setup. A token made "
               "with Create Grant stops working when its grant is deleted, and works only in the "
               "environment it was made in.");
    case TTS_ERROR_FORBIDDEN:
      return _("Edit the OAuth app on tastytrade’s site so that it has Read permission, then sign in again.");
    case TTS_ERROR_SERVICE_UNAVAILABLE:
      return _("tastytrade may be busy or under maintenance. Wait a few minutes and try again.");
    case TTS_ERROR_NETWORK:
    case TTS_ERROR_TIMEOUT:
      return _("Check your internet connection and try again.");
    case TTS_ERROR_TLS:
      return _("Check the date and time of this computer and your network. Do not continue on a "
               "network that intercepts secure connections.");
    case TTS_ERROR_PROTOCOL:
      return _("Try again in a few minutes. If it keeps happening, the program may need an update.");
    case TTS_ERROR_PORT_IN_USE:
      return _("Close the program that uses the port, or continue: this window can still catch the sign-in.");
    case TTS_ERROR_UNSAFE_FILE:
      return _("Move or remove it yourself, or choose another folder.");
    case TTS_ERROR_WRITE_FAILED:
      return _("Check that the folder exists, that you may write to it and that the disk is not full, "
               "then try again. Your previous file was not changed.");
    case TTS_ERROR_PAGE_LOAD_FAILED:
      return _("Check your internet connection and try again.");
    case TTS_ERROR_INSTALLATION:
      return _("Reinstall Tastytrade API Setup, or choose “I already have a refresh token” on "
               "the first page.");
    case TTS_ERROR_NO_CREDENTIALS:
      return _("Choose the folder that holds the file your scripts read, or set up a new token.");
    case TTS_ERROR_SIGN_IN_EXPIRED:
      return _("Start the sign-in again. Nothing was saved.");
    case TTS_ERROR_NOT_A_CUSTOMER:
      return _("Open a brokerage account on tastytrade’s site and fund it, then try again.");
    case TTS_ERROR_MARKET_DATA_NOT_GRANTED:
      return _("Ask tastytrade’s API support to grant market data for API use to your login, "
               "then try again.");
    case TTS_ERROR_QUOTE_TOKEN_REJECTED:
      return _("Try again in a few minutes. If it keeps happening, ask tastytrade’s API support "
               "whether your login may stream quotes.");
    case TTS_ERROR_NO_QUOTE:
      return _("Try again while the market is open. Your token and file are fine.");
    case TTS_ERROR_SANDBOX_MARKET_DATA:
      return _("This is expected there and says nothing about your setup. Scripts that need "
               "quotes need a production login.");
    case TTS_ERROR_FAILED:
    default:
      return _("Try again. If it keeps failing, restart the program.");
    }
}
