"""distribute"""
