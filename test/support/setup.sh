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
# useradd leaves the password field as "!"; sshd builds that define a locked-password prefix
# refuse such accounts when UsePAM is off. "*" is "no password" too, and locks nothing.
usermod --password '*' "$user"

mkdir -p /run/sshd
chmod 0755 /run/sshd
