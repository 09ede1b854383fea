#!/bin/sh
# One-time machine setup for the test fleet (run as root; safe to run again).
# - a dedicated login user with a stock HOME, so that sshd sessions do not pay for
#   root's shell start-up files;
# - sshd's privilege separation directory.
set -eu

user=sockaudit-test

if ! getent passwd "$user" >/dev/null; then
  useradd --create-home --shell /bin/sh "$user"
fi
# useradd leaves the password field as "!", which sshd treats as a locked account when
# UsePAM is off; "*" means "no password" without locking public key logins.
usermod --password '*' "$user"

mkdir -p /run/sshd
chmod 0755 /run/sshd
