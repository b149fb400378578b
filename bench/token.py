#!/usr/bin/env python3
"""Prints an ARM access token of the bootstrap administrator of a running galleryd.

usage: token.py DATA_DIR ENDPOINT   (the client credentials grant at ENDPOINT/adfs/oauth2/token,
for the ARM audience that DATA_DIR/azure-cloud.json names)
"""
import json
import ssl
import sys
import urllib.parse
import urllib.request

data, endpoint = sys.argv[1], sys.argv[2].rstrip("/")
boot = json.load(open(f"{data}/bootstrap.json"))
cloud = json.load(open(f"{data}/azure-cloud.json"))
form = urllib.parse.urlencode({
    "grant_type": "client_credentials",
    "client_id": boot["clientId"],
    "client_secret": boot["clientSecret"],
    "scope": cloud["endpoints"]["activeDirectoryResourceId"].rstrip("/") + "/.default",
}).encode()
ctx = ssl.create_default_context(cafile=boot["caCertificate"])
with urllib.request.urlopen(endpoint + "/adfs/oauth2/token", form, context=ctx) as r:
    print(json.load(r)["access_token"])
